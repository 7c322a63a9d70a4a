import Foundation
@testable import OCSOBatch
import Testing

/// The spool's file-system failures say what failed, where and why, and leave nothing half-written
/// (the full-disk and read-only cases run end to end in tests/faults/test_spool_disk_faults.py).
@Suite struct SpoolDirectoryTests {
    let root = NSTemporaryDirectory() + "spool-" + UUID().uuidString

    init() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: root)
    }

    func entries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test func prepareCreatesTheThreeDirectories() throws {
        defer { cleanUp() }
        try SpoolDirectory(root: root).prepare()
        #expect(try entries(root) == ["done", "incoming", "rejected"])
    }

    @Test func aFileWhereADirectoryShouldBeIsNamedInTheError() throws {
        defer { cleanUp() }
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: root + "/done"))
        let error = #expect(throws: FileSystemFailure.self) { try SpoolDirectory(root: root).prepare() }
        #expect(error?.description == "cannot create the spool directory \(root)/done: File exists")
    }

    @Test func aFailedMoveSaysWhereAndWhyAndLeavesTheFileInIncoming() throws {
        defer { cleanUp() }
        let spool = SpoolDirectory(root: root)
        try spool.prepare()
        let file = root + "/incoming/01.txt"
        try Data("H;IJ".utf8).write(to: URL(fileURLWithPath: file))
        // Something in the way: a non-empty directory under the file's name in done/.
        try FileManager.default.createDirectory(atPath: root + "/done/01.txt/obstacle", withIntermediateDirectories: true)
        let outcome = BatchOutcome(file: file, batchID: "b1", fileType: "IJ", status: .loaded, itemsLoaded: 1, itemsRejected: 0,
                                   durationMilliseconds: 1, reason: nil, message: nil, reportPath: nil)
        let error = #expect(throws: FileSystemFailure.self) { try spool.file(file, outcome: outcome) }
        #expect(error?.description == "cannot move \(file) to \(root)/done/01.txt: Is a directory")
        #expect(try entries(root + "/incoming") == ["01.txt"])
    }

    @Test func aReportThatCannotBeWrittenLeavesNoPartialFileBehind() throws {
        defer { cleanUp() }
        let report = root + "/01.txt.report.txt"
        try FileManager.default.createDirectory(atPath: report + "/obstacle", withIntermediateDirectories: true)
        let outcome = BatchOutcome(file: root + "/01.txt", batchID: "b1", fileType: "IJ", status: .loaded, itemsLoaded: 1,
                                   itemsRejected: 0, durationMilliseconds: 1, reason: nil, message: nil, reportPath: nil)
        let error = #expect(throws: FileSystemFailure.self) { try BatchReport.write(outcome, rejects: [], to: report) }
        #expect(error?.description == "cannot write the report \(report): Is a directory")
        #expect(try entries(root) == ["01.txt.report.txt"])
    }

    @Test func foundationErrorsAreReducedToTheSystemReason() throws {
        defer { cleanUp() }
        let missing = root + "/no-such-directory/file"
        let error = #expect(throws: (any Error).self) { try Data("x".utf8).write(to: URL(fileURLWithPath: missing)) }
        let failure = FileSystemFailure("cannot write", path: missing, error: try #require(error))
        #expect(failure.description == "cannot write \(missing): No such file or directory")
    }
}
