/// The `Encoder` of one value for `ResponseJSONEncoder`, and its three kinds of container. Values
/// are written in the order they are encoded, so every container writes straight into the shared
/// `JSONOutput`; whatever would need writing out of order marks the output unsupported instead.
final class ValueEncoder: Encoder {
    enum State {
        case empty
        /// `start`: first byte after `{`; `memberBase`: this object's first entry in `output.members`.
        case object(start: Int, memberBase: Int)
        case array(count: Int)
        case single(written: Bool)
    }

    let output: JSONOutput
    /// Unchecked for the reason given at `JSONOutput`.
    @exclusivity(unchecked) var state = State.empty
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(output: JSONOutput) {
        self.output = output
    }

    /// Ends the value: closes its object or array. A value that asked for no container is `{}`
    /// inside another, an error at the top (Foundation's, through the fallback).
    func close(topLevel: Bool) throws {
        switch state {
        case .empty:
            if topLevel { throw ResponseJSONEncoder.Unsupported() }
            output.bytes.append(contentsOf: [0x7B, 0x7D])
        case .object(let start, let memberBase): output.closeObject(start: start, base: memberBase)
        case .array: output.bytes.append(0x5D)
        case .single(let written): if !written { throw ResponseJSONEncoder.Unsupported() }
        }
        if output.unsupported { throw ResponseJSONEncoder.Unsupported() }
    }

    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        switch state {
        case .empty:
            output.bytes.append(0x7B)
            state = .object(start: output.bytes.count, memberBase: output.members.count)
        case .object:
            break // one object, whoever asks (a type encoding another into the same object)
        default:
            output.unsupported = true
        }
        return KeyedEncodingContainer(KeyedContainer(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch state {
        case .empty:
            output.bytes.append(0x5B)
            state = .array(count: 0)
        case .array:
            break
        default:
            output.unsupported = true
        }
        return UnkeyedContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        switch state {
        case .empty, .single(written: false): state = .single(written: false)
        default: output.unsupported = true
        }
        return SingleValueContainer(encoder: self)
    }

    /// A container that cannot be written in order: the whole value goes to Foundation instead.
    func unsupportedEncoder() -> ValueEncoder {
        output.unsupported = true
        return ValueEncoder(output: JSONOutput())
    }

    /// Before each array element: the comma, and the count.
    func nextElement() {
        guard case .array(let count) = state else {
            output.unsupported = true
            return
        }
        if count > 0 { output.bytes.append(0x2C) }
        state = .array(count: count + 1)
    }

    /// Before the value of a single-value container.
    func singleValue() throws {
        guard case .single(written: false) = state else { throw ResponseJSONEncoder.Unsupported() }
        state = .single(written: true)
    }

    /// Writes `"key":` + the value, and notes where the member lies for `closeObject`.
    func member(_ key: some CodingKey, _ write: (JSONOutput) throws -> Void) throws {
        guard case .object(_, let memberBase) = state else { throw ResponseJSONEncoder.Unsupported() }
        if output.members.count > memberBase { output.bytes.append(0x2C) }
        let start = output.bytes.count
        let name = key.stringValue
        output.writeString(name)
        output.bytes.append(0x3A)
        try write(output)
        output.members.append(JSONOutput.Member(key: name, start: start, end: output.bytes.count))
    }
}

struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { try encoder.member(key) { $0.writeNull() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try encoder.member(key) { $0.writeBool(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { try encoder.member(key) { $0.writeString(value) } }
    mutating func encode(_: Double, forKey _: Key) throws { throw ResponseJSONEncoder.Unsupported() }
    mutating func encode(_: Float, forKey _: Key) throws { throw ResponseJSONEncoder.Unsupported() }
    mutating func encode(_ value: Int, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encoder.member(key) { $0.writeInteger(value) } }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encoder.member(key) { try $0.write(value) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                                        forKey _: Key) -> KeyedEncodingContainer<NestedKey> {
        encoder.unsupportedEncoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer(forKey _: Key) -> any UnkeyedEncodingContainer {
        encoder.unsupportedEncoder().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { encoder.unsupportedEncoder() }
    mutating func superEncoder(forKey _: Key) -> any Encoder { encoder.unsupportedEncoder() }
}

struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { [] }
    var count: Int {
        if case .array(let count) = encoder.state { return count }
        return 0
    }

    private func element(_ write: (JSONOutput) throws -> Void) throws {
        encoder.nextElement()
        try write(encoder.output)
    }

    mutating func encodeNil() throws { try element { $0.writeNull() } }
    mutating func encode(_ value: Bool) throws { try element { $0.writeBool(value) } }
    mutating func encode(_ value: String) throws { try element { $0.writeString(value) } }
    mutating func encode(_: Double) throws { throw ResponseJSONEncoder.Unsupported() }
    mutating func encode(_: Float) throws { throw ResponseJSONEncoder.Unsupported() }
    mutating func encode(_ value: Int) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: Int8) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: Int16) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: Int32) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: Int64) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt8) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt16) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt32) throws { try element { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt64) throws { try element { $0.writeInteger(value) } }
    mutating func encode<T: Encodable>(_ value: T) throws { try element { try $0.write(value) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder.unsupportedEncoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { encoder.unsupportedEncoder().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { encoder.unsupportedEncoder() }
}

struct SingleValueContainer: SingleValueEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { [] }

    private func value(_ write: (JSONOutput) throws -> Void) throws {
        try encoder.singleValue()
        try write(encoder.output)
    }

    mutating func encodeNil() throws { try value { $0.writeNull() } }
    mutating func encode(_ value: Bool) throws { try self.value { $0.writeBool(value) } }
    mutating func encode(_ value: String) throws { try self.value { $0.writeString(value) } }
    mutating func encode(_: Double) throws { throw ResponseJSONEncoder.Unsupported() }
    mutating func encode(_: Float) throws { throw ResponseJSONEncoder.Unsupported() }
    mutating func encode(_ value: Int) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Int8) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Int16) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Int32) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: Int64) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt8) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt16) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt32) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode(_ value: UInt64) throws { try self.value { $0.writeInteger(value) } }
    mutating func encode<T: Encodable>(_ value: T) throws { try self.value { try $0.write(value) } }
}
