/// Encoding of name-value pairs (specification §3.4): each length is one byte
/// when below 128, otherwise four bytes big-endian with the high bit set.
public enum FastCGINameValueCoding {
    public static let maxLength = 0x7FFF_FFFF

    public static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        precondition(length >= 0 && length <= maxLength, "name-value length out of range")
        if length < 0x80 {
            bytes.append(UInt8(length))
        } else {
            bytes.append(UInt8(truncatingIfNeeded: length >> 24) | 0x80)
            bytes.append(UInt8(truncatingIfNeeded: length >> 16))
            bytes.append(UInt8(truncatingIfNeeded: length >> 8))
            bytes.append(UInt8(truncatingIfNeeded: length))
        }
    }

    public static func append(name: String, value: String, to bytes: inout [UInt8]) {
        let nameBytes = Array(name.utf8)
        let valueBytes = Array(value.utf8)
        appendLength(nameBytes.count, to: &bytes)
        appendLength(valueBytes.count, to: &bytes)
        bytes.append(contentsOf: nameBytes)
        bytes.append(contentsOf: valueBytes)
    }

    public static func encode(_ pairs: [FastCGINameValuePair]) -> [UInt8] {
        var bytes: [UInt8] = []
        for pair in pairs {
            append(name: pair.name, value: pair.value, to: &bytes)
        }
        return bytes
    }

    /// Decodes a complete stream. Invalid UTF-8 is repaired rather than
    /// rejected: header values from the wild are not always clean.
    public static func decode(_ bytes: [UInt8]) throws(FastCGIProtocolError) -> [FastCGINameValuePair] {
        var pairs: [FastCGINameValuePair] = []
        var offset = 0
        while offset < bytes.count {
            let pairStart = offset
            guard let nameLength = readLength(bytes, at: &offset),
                  let valueLength = readLength(bytes, at: &offset),
                  bytes.count - offset >= nameLength,
                  bytes.count - offset - nameLength >= valueLength
            else {
                throw .truncatedNameValuePair(offset: pairStart)
            }
            let nameEnd = offset + nameLength
            let valueEnd = nameEnd + valueLength
            pairs.append(FastCGINameValuePair(
                name: String(decoding: bytes[offset..<nameEnd], as: UTF8.self),
                value: String(decoding: bytes[nameEnd..<valueEnd], as: UTF8.self)
            ))
            offset = valueEnd
        }
        return pairs
    }

    private static func readLength(_ bytes: [UInt8], at offset: inout Int) -> Int? {
        guard offset < bytes.count else {
            return nil
        }
        let first = bytes[offset]
        if first & 0x80 == 0 {
            offset += 1
            return Int(first)
        }
        guard bytes.count - offset >= 4 else {
            return nil
        }
        let length = Int(first & 0x7F) << 24
            | Int(bytes[offset + 1]) << 16
            | Int(bytes[offset + 2]) << 8
            | Int(bytes[offset + 3])
        offset += 4
        return length
    }
}
