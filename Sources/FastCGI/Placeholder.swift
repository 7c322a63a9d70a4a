enum FastCGIPlaceholder {}
