import Foundation
import XCTest
@testable import JixiaoServer

/// Seed 001 in headless Chromium: the evaluator changes one cell of the grid and sees the composite move, restores it
/// and sees the composite, grade 中 and table 2-1 beside the printed 74.87, then downloads the report's PDF (made on
/// the server by Chromium) and finds the composite and 中 in its text.
final class EvaluationBrowserTests: XCTestCase {
    func testTheEvaluator_movesTheCompositeAndRestoresIt_thenReadsTheReportPDF() async throws {
        try await BrowserHarness.run("evaluation") { h in
            try await h.signIn("pingjia")
            try await h.browser.open(h.site + "/evaluations")
            try await h.browser.follow("#evaluations a")
            let original = try await h.browser.text("#composite-total")
            let awaited1 = try await h.browser.text("#composite-grade")
            XCTAssertEqual(awaited1, "中")
            let awaited2 = try await h.browser.text("#printed-total").contains("文件印 74.87 分 / 中")
            XCTAssertTrue(awaited2)
            try await h.shot("grid")

            let cell = "input[name='c|6100|#1.2.1']"
            let awaited3 = try await h.browser.attribute(cell, "value")
            XCTAssertEqual(awaited3, "2.56")
            try await h.browser.type(cell, "3")
            try await h.browser.follow("#save-grid")
            let moved = try await h.browser.text("#composite-total")
            XCTAssertNotEqual(moved, original, "省本级 1.2.1 2.56 → 3 moves the composite")
            let awaited4 = try await h.browser.text(".flash").contains("已保存：省本级")
            XCTAssertTrue(awaited4)
            try await h.shot("moved")

            try await h.browser.type(cell, "2.56")
            try await h.browser.follow("#save-grid")
            let awaited5 = try await h.browser.text("#composite-total")
            XCTAssertEqual(awaited5, original)
            let awaited6 = try await h.browser.text("#composite-grade")
            XCTAssertEqual(awaited6, "中")
            let awaited7 = try await h.browser.text("#printed-total").contains("74.87")
            XCTAssertTrue(awaited7)

            try await h.browser.follow("#report-link")
            let table = try await h.browser.text("#table-2-1")
            XCTAssertTrue(table.contains("项目加权综合得分"))
            let awaited8 = try await h.browser.text("#table-total").contains(original)
            XCTAssertTrue(awaited8)
            let awaited9 = try await h.browser.text("#table-total").contains("印 74.87")
            XCTAssertTrue(awaited9)
            let awaited10 = try await h.browser.text("#conclusion").contains("评价等级为“中”")
            XCTAssertTrue(awaited10)
            try await h.shot("report")

            guard let pdftotext = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw XCTSkip("pdftotext (poppler-utils) is not installed: the report PDF is not read back")
            }
            // The signed-in page fetches its PDF link, as the download does, and hands the bytes over as base64.
            _ = try await h.browser.evaluate("""
                window.pdfDone = null;
                fetch(document.getElementById('pdf-link').href).then(async r => {
                  const bytes = new Uint8Array(await r.arrayBuffer());
                  let text = ''; for (const b of bytes) text += String.fromCharCode(b);
                  window.pdfDone = {status: r.status, type: r.headers.get('content-type'), data: btoa(text)};
                }, e => { window.pdfDone = {status: 0, type: String(e), data: ''}; });
                return true;
                """)
            var answer: [String: Any]?
            let deadline = Date().addingTimeInterval(90)
            while answer == nil && Date() < deadline {
                answer = try await h.browser.evaluate("return window.pdfDone;") as? [String: Any]
                if answer == nil { try await Task.sleep(nanoseconds: 300_000_000) }
            }
            let done = try XCTUnwrap(answer, "the PDF did not arrive within 90 seconds")
            XCTAssertEqual(done["status"] as? Int, 200, "\(done["type"] ?? "")")
            XCTAssertEqual(done["type"] as? String, "application/pdf")
            let pdf = try XCTUnwrap(Data(base64Encoded: done["data"] as? String ?? ""))
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-evaluation-\(UUID().uuidString).pdf")
            try pdf.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: pdftotext)
            process.arguments = [file.path, "-"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            // Lines wrap where the page's width ends: read the text without its line breaks.
            let text = String(decoding: output, as: UTF8.self).filter { !$0.isWhitespace }
            XCTAssertTrue(text.contains("综合评价得分为\(original)分"), "the PDF prints the composite \(original)")
            XCTAssertTrue(text.contains("评价等级为“中”"), "the PDF prints the grade 中")
            XCTAssertTrue(text.contains("74.87"), "the PDF prints the document's figure beside")
        }
    }
}
