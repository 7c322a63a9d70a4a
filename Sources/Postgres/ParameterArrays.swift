import Foundation

/// Lays parameters out as the three parallel C arrays `PQexecPrepared` and `PQexecParams` take
/// (and their asynchronous forms), with the statement's parameter types. The copies of the values
/// live until `release()`.
struct ParameterArrays {
    let types: [UInt32]
    let values: [UnsafePointer<CChar>?]
    let lengths: [Int32]
    let formats: [Int32]
    var count: Int32 { Int32(values.count) }

    init(_ parameters: [PostgresBind], statement: String) throws {
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        buffers.reserveCapacity(parameters.count)
        for (position, parameter) in parameters.enumerated() {
            guard let bytes = parameter.bytes else {
                buffers.append(nil)
                continue
            }
            // Text parameters are read up to their first NUL; refuse instead of silently truncating.
            if parameter.format == 0, bytes.contains(0) {
                buffers.forEach { $0?.deallocate() }
                throw PostgresError(kind: .misuse, message: "parameter $\(position + 1) contains a NUL byte", statement: statement)
            }
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count)
            }
            buffer[bytes.count] = 0
            buffers.append(buffer)
        }
        types = parameters.map(\.type.rawValue)
        values = buffers.map { UnsafePointer($0) }
        lengths = parameters.map { Int32($0.bytes?.count ?? 0) }
        formats = parameters.map(\.format)
    }

    func release() {
        values.forEach { $0?.deallocate() }
    }
}
