enum PortalAPIPlaceholder {}
