/// A FastCGI 1.0 record type (specification §8).
///
/// A struct rather than an enum so that types we do not know can still be read
/// off the wire and echoed back in an UNKNOWN_TYPE record.
public struct FastCGIRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let beginRequest = FastCGIRecordType(rawValue: 1)
    public static let abortRequest = FastCGIRecordType(rawValue: 2)
    public static let endRequest = FastCGIRecordType(rawValue: 3)
    public static let params = FastCGIRecordType(rawValue: 4)
    public static let stdin = FastCGIRecordType(rawValue: 5)
    public static let stdout = FastCGIRecordType(rawValue: 6)
    public static let stderr = FastCGIRecordType(rawValue: 7)
    public static let data = FastCGIRecordType(rawValue: 8)
    public static let getValues = FastCGIRecordType(rawValue: 9)
    public static let getValuesResult = FastCGIRecordType(rawValue: 10)
    public static let unknownType = FastCGIRecordType(rawValue: 11)

    /// Types defined by the specification; anything else is answered with UNKNOWN_TYPE.
    public var isDefined: Bool {
        rawValue >= 1 && rawValue <= 11
    }

    public var description: String {
        switch rawValue {
        case 1: "BEGIN_REQUEST"
        case 2: "ABORT_REQUEST"
        case 3: "END_REQUEST"
        case 4: "PARAMS"
        case 5: "STDIN"
        case 6: "STDOUT"
        case 7: "STDERR"
        case 8: "DATA"
        case 9: "GET_VALUES"
        case 10: "GET_VALUES_RESULT"
        case 11: "UNKNOWN_TYPE"
        default: "type(\(rawValue))"
        }
    }
}
