/// A header value of the form `token; name=value; name="quoted value"` (Content-Type,
/// Content-Disposition): the leading token lowercased, and the parameters with lowercased names.
/// Quoted strings keep their content, with quoted pairs undone. Nil when malformed.
struct MultipartHeaderValue: Equatable {
    let value: String
    let parameters: [String: String]

    init?(_ text: String) {
        var scalars = Substring(text).unicodeScalars[...]
        func skipSpaces() {
            while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        }
        func token() -> String {
            var result = ""
            while let first = scalars.first, first != ";", first != "=", first != " ", first != "\t", first != "\"" {
                result.unicodeScalars.append(first)
                scalars.removeFirst()
            }
            return result
        }
        skipSpaces()
        let value = token().lowercased()
        guard !value.isEmpty else { return nil }
        var parameters: [String: String] = [:]
        while true {
            skipSpaces()
            guard let first = scalars.first else { break }
            guard first == ";" else { return nil }
            scalars.removeFirst()
            skipSpaces()
            // A trailing ";" is tolerated, as browsers and curl are.
            if scalars.isEmpty { break }
            let name = token().lowercased()
            skipSpaces()
            guard !name.isEmpty, scalars.first == "=" else { return nil }
            scalars.removeFirst()
            skipSpaces()
            var parameter = ""
            if scalars.first == "\"" {
                scalars.removeFirst()
                var closed = false
                while let scalar = scalars.popFirst() {
                    if scalar == "\"" {
                        closed = true
                        break
                    }
                    // `\"` and `\\` are quoted pairs (curl sends them). Any other backslash is kept as
                    // is: browsers send Windows paths unescaped ("C:\Users\…\scan.pdf").
                    if scalar == "\\", let next = scalars.first, next == "\"" || next == "\\" {
                        parameter.unicodeScalars.append(next)
                        scalars.removeFirst()
                    } else {
                        parameter.unicodeScalars.append(scalar)
                    }
                }
                guard closed else { return nil }
            } else {
                parameter = token()
            }
            // A repeated parameter makes the value ambiguous (which filename?): refused.
            guard parameters[name] == nil else { return nil }
            parameters[name] = parameter
        }
        self.value = value
        self.parameters = parameters
    }
}
