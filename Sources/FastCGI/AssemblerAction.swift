/// What the connection must do after the assembler looked at a record.
enum AssemblerAction {
    /// Queue these already-framed bytes for the peer.
    case send([UInt8])
    /// A complete request for the workers.
    case dispatch(FastCGIRequest)
    /// The request handed to the workers is no longer wanted.
    case cancelInFlight
    /// Stop reading; close once queued output is written.
    case closeAfterFlush
    /// Something the operator may want to know (never params or bodies).
    case log(FastCGILogEvent.Level, String)
}
