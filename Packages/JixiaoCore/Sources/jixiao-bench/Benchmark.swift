import Foundation
import JixiaoCore

/// Scores a generated scheme of 200 indicators (ranking rules included) for many subjects
/// over many months, and prints throughput and peak memory, then runs the C reference
/// (`Benchmarks/reference.c`, built with the system C compiler) on the very same figures.
/// A benchmark, not a test: `swift run -c release --package-path Packages/JixiaoCore jixiao-bench`.
///
/// Rates are evaluations (leaf indicators × subjects × months) per second of the scoring
/// thread's CPU time, for Jixiao and for C alike: the machine may be shared, and CPU time is
/// what "one core" means there. Wall-clock seconds are printed beside them.
@main
struct Benchmark {
    static func main() throws {
        var subjects = 3000
        var months = 12
        var runReference = true
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--subjects": subjects = Int(arguments.next() ?? "") ?? subjects
            case "--months": months = Int(arguments.next() ?? "") ?? months
            case "--large": subjects = 30_000
            case "--no-reference": runReference = false
            default:
                print("""
                    usage: jixiao-bench [--subjects N | --large] [--months N] [--no-reference]
                      --subjects N     subjects per month (default 3000; --large = 30000)
                      --months N       months scored (default 12)
                      --no-reference   skip the C reference
                    """)
                return
            }
        }
        subjects = max(1, subjects)
        months = max(1, months)
        let scheme = generatedScheme(leaves: 200)
        let compiled = try CompiledScheme(scheme)
        let leaves = scheme.allIndicators.filter { !$0.isGroup }.count
        print("scheme: \(leaves) leaf indicators in \(scheme.allIndicators.count - leaves) groups; \(subjects) subjects × \(months) months")

        // The figures, also written for the C reference: per month, per subject, x0 … x9 as raw decimals (× 10⁸).
        let dataURL = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-bench-\(getpid()).bin")
        defer { try? FileManager.default.removeItem(at: dataURL) }
        FileManager.default.createFile(atPath: dataURL.path, contents: nil)
        let dataFile = try FileHandle(forWritingTo: dataURL)
        dataFile.write(rawBytes([Int64(subjects), Int64(months)]))

        // First, while nothing else is held: a save in a period of (at most) 3,000 subjects, re-scored partially.
        let partialLine = try partialRescore(scheme, compiled, subjects: min(subjects, 3000))

        let scorer = Scorer(compiled)
        var random = SeededRandom(seed: 42)
        var wall: Duration = .zero
        var cpu = 0.0
        var checksum = Exact.zero
        var scored = 0
        let clock = ContinuousClock()
        for month in 1...months {
            let data = generatedData(scheme, subjects: subjects, month: month, random: &random)
            dataFile.write(rawBytes(data.subjects.flatMap { subject in (0..<10).map { subject.inputs["x\($0)"]?.number?.raw ?? 0 } }))
            let start = clock.now
            let cpuStart = threadCPUSeconds()
            try scorer.score(data)
            for subject in 0..<scorer.subjectCount {
                if let total = scorer.total(subject: subject).score {
                    checksum += total
                    scored += 1
                }
            }
            cpu += threadCPUSeconds() - cpuStart
            wall += clock.now - start
            scorer.releaseData()  // one month's figures in memory at a time, as a server holds one period
        }
        try dataFile.close()
        let wallSeconds = seconds(wall)
        let evaluations = leaves * subjects * months
        let rate = Double(evaluations) / cpu
        print("scored subject-months: \(scored), checksum of totals: \(checksum.formatted())")
        print(String(format: "engine time: %.3f s CPU, %.3f s wall", cpu, wallSeconds))
        // CPU time is the figure that holds on a shared machine; wall time is printed beside it.
        print(String(format: "full_rescore_seconds: %.3f (%ld subjects × %ld indicators × %ld months, from scratch, CPU; %.3f s wall)",
                     cpu, subjects, leaves, months, wallSeconds))
        print(partialLine)

        // The same first month through `Engine.score`, the full report the server reads (every subject's
        // outcomes, maxima, rankings, grades): what that materialisation costs on top. At most 3,000
        // subjects, so that the report's own size (about 12 KiB a subject) does not set the peak.
        do {
            var again = SeededRandom(seed: 42)
            let data = generatedData(scheme, subjects: min(subjects, 3000), month: 1, random: &again)
            let cpuStart = threadCPUSeconds()
            let report = try Engine(compiled).score(data)
            let reportCPU = threadCPUSeconds() - cpuStart
            let sum = report.finalStage.subjects.reduce(Exact.zero) { $0 + ($1.total.score ?? .zero) }
            print(String(format: "report_path_evaluations_per_second: %.0f (one month of %ld subjects through Engine.score, full ScoreReport; month-1 total %@)",
                         Double(leaves * data.subjects.count) / reportCPU, data.subjects.count, sum.formatted()))
        }

        var ratio = "unavailable"
        if runReference {
            switch reference(dataURL, expected: checksum.formatted()) {
            case .success(let cRate):
                print("c_reference_evaluations_per_second: \(Int(cRate))")
                ratio = String(format: "%.2f", cRate / rate)
            case .failure(let why):
                print("C reference unavailable: \(why.message)")
            }
        } else {
            print("C reference skipped (--no-reference)")
        }
        print("evaluations_per_second: \(Int(rate))")
        print("peak_rss_mib: \(peakResidentMiB())")
        print("c_reference_ratio: \(ratio)")
    }

    /// One subject's figures changed in a scored period, re-scored by `Engine.rescore` (that subject, and its
    /// peers' ranking indicators and the groups above them; the new report included), best of five, CPU; checked
    /// against a full score of the same data. At most two periods are held at once.
    static func partialRescore(_ scheme: Scheme, _ compiled: CompiledScheme, subjects: Int) throws -> String {
        var random = SeededRandom(seed: 42)
        let data = generatedData(scheme, subjects: subjects, month: 1, random: &random)
        let engine = Engine(compiled)
        var cpuStart = threadCPUSeconds()
        let period = try engine.scorePeriod(data)
        let fullCPU = threadCPUSeconds() - cpuStart
        let index = data.subjects.count / 2
        var changed = data.subjects[index]
        for l in 0..<10 { changed.inputs["x\(l)"] = .number(Fixed(Int(random.next() % 10_001)).divided(by: 100)!) }
        var best = Double.infinity
        for _ in 0..<5 {
            cpuStart = threadCPUSeconds()
            let rescored = try engine.rescore(period, subject: index, to: changed)
            best = min(best, threadCPUSeconds() - cpuStart)
            withExtendedLifetime(rescored) {}
        }
        let rescored = try engine.rescore(period, subject: index, to: changed)
        let scorer = Scorer(compiled)
        try scorer.score(rescored.data)
        let final = rescored.report.finalStage.subjects
        let agrees = final.indices.allSatisfy { subject in
            scorer.total(subject: subject) == final[subject].total
                && final[subject].outcomes.indices.allSatisfy { scorer.outcome(subject: subject, indicator: $0) == final[subject].outcomes[$0] }
        }
        return String(format: "partial_rescore_ms: %.1f (one subject changed among %ld, report included, best of 5, CPU; a full Engine.scorePeriod took %.1f ms; %@)",
                      best * 1000, data.subjects.count, fullCPU * 1000, agrees ? "equal to a full re-score" : "DIFFERS from a full re-score")
    }

    struct ReferenceError: Error { let message: String }

    /// Builds `Benchmarks/reference.c` with the system C compiler (-O2), runs it on the figures just
    /// scored, checks it reaches the same checksum, and returns its rate.
    static func reference(_ data: URL, expected: String) -> Result<Double, ReferenceError> {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/reference.c")
        guard FileManager.default.fileExists(atPath: source.path) else {
            return .failure(ReferenceError(message: "\(source.path) not found (the benchmark reads it from the source tree)"))
        }
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-reference-\(getpid())")
        defer { try? FileManager.default.removeItem(at: binary) }
        guard let compiler = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first(where: FileManager.default.isExecutableFile) else {
            return .failure(ReferenceError(message: "no C compiler (cc, gcc or clang in /usr/bin); install gcc to compare"))
        }
        let (built, buildOutput) = run(compiler, ["-O2", "-o", binary.path, source.path])
        guard built == 0 else { return .failure(ReferenceError(message: "\(compiler) failed: \(buildOutput)")) }
        let (status, output) = run(binary.path, [data.path])
        print(output.split(separator: "\n").map { "  [C] " + $0 }.joined(separator: "\n"))
        guard status == 0 else { return .failure(ReferenceError(message: "the reference exited with \(status)")) }
        var checksum: String?
        var rate: Double?
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "checksum:" { checksum = String(parts[1]) }
            if parts.count == 2, parts[0] == "evaluations_per_second:" { rate = Double(parts[1]) }
        }
        guard checksum == expected else {
            return .failure(ReferenceError(message: "the reference's checksum \(checksum ?? "?") differs from Jixiao's \(expected)"))
        }
        guard let rate else { return .failure(ReferenceError(message: "the reference printed no rate")) }
        return .success(rate)
    }

    static func run(_ path: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func rawBytes(_ values: [Int64]) -> Data {
        values.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The generated workload lives in the core (`GeneratedWorkload`), so that tests score the same scheme.
    /// `Benchmarks/reference.c` hard-codes that scheme: change both together.
    static func generatedScheme(leaves: Int) -> Scheme { GeneratedWorkload.scheme(leaves: leaves) }

    static func generatedData(_ scheme: Scheme, subjects: Int, month: Int, random: inout SeededRandom) -> DataSet {
        GeneratedWorkload.data(scheme, subjects: subjects, month: month, random: &random)
    }

    static func peakResidentMiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            return kib / 1024
        }
        return -1
    }
}
