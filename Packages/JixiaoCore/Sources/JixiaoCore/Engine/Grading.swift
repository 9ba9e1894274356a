/// Ranks and grades one stage's subjects: vetoes first, then the threshold, then rank
/// shares, else score bands. Grades use the total rounded as the scheme rounds, so a
/// boundary is never decided by a digit nobody sees.
struct Grading {
    let run: Run

    func grade(_ subjects: inout [SubjectResult]) {
        let rules = run.compiled.scheme.grades
        // Rank by graded score among subjects at the same level; ties share the better rank.
        var byLevel: [Int: [Int]] = [:]
        for index in subjects.indices where subjects[index].gradedScore != nil {
            byLevel[run.depths[index], default: []].append(index)
        }
        for members in byLevel.values {
            let sorted = members.sorted { subjects[$0].gradedScore! > subjects[$1].gradedScore! || (subjects[$0].gradedScore! == subjects[$1].gradedScore! && $0 < $1) }
            var rank = 0
            for (position, index) in sorted.enumerated() {
                if position == 0 || subjects[sorted[position - 1]].gradedScore! != subjects[index].gradedScore! { rank = position + 1 }
                subjects[index].rank = rank
            }
        }

        var rankPool: [Int] = []
        for index in subjects.indices {
            guard let score = subjects[index].gradedScore else { continue }
            let cursor = Cursor(run: run, subject: index)
            if let veto = run.compiled.gradeVetoes.first(where: { (try? $0.when.evaluate(cursor).requireBool("veto")) == true }) {
                subjects[index].grade = veto.grade
                continue
            }
            if let below = rules.below, score < Exact(below.score) {
                subjects[index].grade = below.grade
                continue
            }
            if !rules.byRank.isEmpty {
                rankPool.append(index)
                continue
            }
            subjects[index].grade = Grading.band(rules.bands, score)
        }
        // Rank shares are cumulative: 一等 the top 20%, 二等 up to 100%. Ties at a cut share the better grade.
        let sorted = rankPool.sorted { subjects[$0].gradedScore! > subjects[$1].gradedScore! || (subjects[$0].gradedScore! == subjects[$1].gradedScore! && $0 < $1) }
        var position = 0
        for (grade, share) in rules.byRank {
            let quota = (share * Fixed(sorted.count)).rounded(places: 0)
            let limit = Swift.max(0, Swift.min(sorted.count, quota.wholePart ?? sorted.count))
            while position < sorted.count
                && (position < limit
                    || (position > 0 && subjects[sorted[position]].gradedScore == subjects[sorted[position - 1]].gradedScore
                        && subjects[sorted[position - 1]].grade == grade))
            {
                subjects[sorted[position]].grade = grade
                position += 1
            }
        }
    }

    static func band(_ bands: [GradeBand], _ score: Exact) -> String? {
        bands.sorted { $0.min > $1.min }.first { !(score < Exact($0.min)) }?.grade
    }
}
