import Foundation

/// Lays parameters out as the three parallel C arrays `PQexecPrepared` and `PQexecParams` take.
enum ParameterArrays {
    static func with<R>(
        _ parameters: [PostgresBind], statement: String,
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) throws -> R
    ) throws -> R {
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        buffers.reserveCapacity(parameters.count)
        defer { buffers.forEach { $0?.deallocate() } }
        for (position, parameter) in parameters.enumerated() {
            guard let bytes = parameter.bytes else {
                buffers.append(nil)
                continue
            }
            // Text parameters are read up to their first NUL; refuse instead of silently truncating.
            if parameter.format == 0, bytes.contains(0) {
                throw PostgresError(kind: .misuse, message: "parameter $\(position + 1) contains a NUL byte", statement: statement)
            }
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count)
            }
            buffer[bytes.count] = 0
            buffers.append(buffer)
        }
        let values = buffers.map { UnsafePointer($0) }
        let lengths = parameters.map { Int32($0.bytes?.count ?? 0) }
        let formats = parameters.map(\.format)
        return try values.withUnsafeBufferPointer { valuePointer in
            try lengths.withUnsafeBufferPointer { lengthPointer in
                try formats.withUnsafeBufferPointer { formatPointer in
                    try body(valuePointer.baseAddress, lengthPointer.baseAddress, formatPointer.baseAddress)
                }
            }
        }
    }
}
