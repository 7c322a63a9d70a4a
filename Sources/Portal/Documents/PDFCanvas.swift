import CCairo
import Foundation

/// One cairo PDF surface writing into memory: text measurement, drawing, pages, metadata.
/// A canvas belongs to one `render()` call (cairo surfaces are not shared between threads).
/// Coordinates are PDF points from the top-left corner of the page, y growing downwards.
final class PDFCanvas {
    struct Failure: Error, CustomStringConvertible {
        let status: String
        var description: String { "cairo: \(status)" }
    }

    /// Receives the bytes cairo writes; reached from the C callback through an unmanaged pointer.
    private final class Sink {
        var bytes: [UInt8] = []
    }

    private let sink = Sink()
    private let surface: OpaquePointer
    private let cairo: OpaquePointer
    private var currentFont: PDFFont?
    private var finished = false
    /// Advance widths already measured, per font: documents repeat the same words and numbers.
    private var widths: [String: Double] = [:]

    init(width: Double, height: Double, title: String, author: String?, creationDate: Date?) throws {
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
            if let data, length > 0 { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length))) }
            return CAIRO_STATUS_SUCCESS
        }
        // The sink outlives the surface: both belong to this canvas, and the surface is finished
        // (its last bytes written) before the canvas goes away.
        surface = cairo_pdf_surface_create_for_stream(write, Unmanaged.passUnretained(sink).toOpaque(), width, height)
        // PDF 1.4: the oldest readers of OCSO's customers open it, and the header stays `%PDF-1.4`.
        cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_4)
        cairo = cairo_create(surface)
        try check()
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, Self.clean(title))
        if let author { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, Self.clean(author)) }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Espace Employeur OCSO")
        // cairo dates every file with the current time unless told otherwise; an empty date is
        // not a date, so cairo writes none and the same document gives the same bytes.
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, creationDate.map(Self.iso8601) ?? "")
        let options = cairo_font_options_create()
        // Unhinted metrics: widths measured here are the widths the reader lays out.
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_set_font_options(cairo, options)
        cairo_font_options_destroy(options)
    }

    deinit {
        cairo_destroy(cairo)
        if !finished { cairo_surface_finish(surface) }
        cairo_surface_destroy(surface)
    }

    // MARK: Text

    private func use(_ font: PDFFont) {
        guard font != currentFont else { return }
        cairo_select_font_face(cairo, PDFFont.family, CAIRO_FONT_SLANT_NORMAL,
                               font.weight == .bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cairo, font.size)
        currentFont = font
    }

    /// The advance width of `text` set in `font`, in points.
    func width(_ text: String, _ font: PDFFont) -> Double {
        guard !text.isEmpty else { return 0 }
        let key = "\(font.weight == .bold ? "B" : "R")\(font.size)|\(text)"
        if let known = widths[key] { return known }
        use(font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cairo, Self.clean(text), &extents)
        widths[key] = extents.x_advance
        return extents.x_advance
    }

    func text(_ text: String, _ font: PDFFont, x: Double, baseline: Double) {
        guard !text.isEmpty else { return }
        use(font)
        cairo_set_source_rgb(cairo, 0, 0, 0)
        cairo_move_to(cairo, x, baseline)
        cairo_show_text(cairo, Self.clean(text))
    }

    // MARK: Lines and boxes

    func line(from start: (x: Double, y: Double), to end: (x: Double, y: Double), gray: Double, width: Double) {
        cairo_set_source_rgb(cairo, gray, gray, gray)
        cairo_set_line_width(cairo, width)
        cairo_move_to(cairo, start.x, start.y)
        cairo_line_to(cairo, end.x, end.y)
        cairo_stroke(cairo)
    }

    func box(x: Double, y: Double, width: Double, height: Double, gray: Double, lineWidth: Double) {
        cairo_set_source_rgb(cairo, gray, gray, gray)
        cairo_set_line_width(cairo, lineWidth)
        cairo_rectangle(cairo, x, y, width, height)
        cairo_stroke(cairo)
    }

    func fill(x: Double, y: Double, width: Double, height: Double, gray: Double) {
        cairo_set_source_rgb(cairo, gray, gray, gray)
        cairo_rectangle(cairo, x, y, width, height)
        cairo_fill(cairo)
    }

    // MARK: Pages and output

    func endPage() {
        cairo_show_page(cairo)
    }

    /// Finishes the surface and returns the complete file.
    func finish() throws -> [UInt8] {
        try check()
        cairo_surface_finish(surface)
        finished = true
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw Failure(status: String(cString: cairo_status_to_string(status))) }
        return sink.bytes
    }

    private func check() throws {
        let status = cairo_status(cairo)
        guard status == CAIRO_STATUS_SUCCESS else { throw Failure(status: String(cString: cairo_status_to_string(status))) }
    }

    // MARK: Helpers

    /// cairo takes NUL-terminated UTF-8: control characters (a NUL would cut the string, the others
    /// print as missing glyphs) become spaces. Callers split lines on `\n` before drawing.
    static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// `2026-06-21T00:00:00Z`, the form cairo turns into `/CreationDate (D:20260621000000Z)`.
    static func iso8601(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int = 2) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month))-\(pad(parts.day))T\(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second))Z"
    }
}
