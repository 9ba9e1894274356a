/// How far each grade above is: a band's minimum, a rank share's line (the score of the subject just inside it,
/// the others staying as they are), the threshold, and the vetoes no points can lift.
extension WhatIfContext {
    /// Grades from best to worst: rank shares (or bands), then the threshold grade, then the veto grades.
    func gradeOrder() -> [String] {
        let rules = compiled.scheme.grades
        let bands = rules.bands.sorted { $0.min > $1.min }.map(\.grade)
        if focus == .composite { return bands }
        var order = rules.byRank.isEmpty ? bands : rules.byRank.map(\.grade)
        if let below = rules.below, !order.contains(below.grade) { order.append(below.grade) }
        for veto in rules.veto where !order.contains(veto.grade) { order.append(veto.grade) }
        return order
    }

    /// Whether a grade is `target` or better.
    func reaches(_ grade: String?, _ target: String) -> Bool {
        let order = gradeOrder()
        guard let grade, let have = order.firstIndex(of: grade), let want = order.firstIndex(of: target) else { return false }
        return have <= want
    }

    /// One unit of the last place the scheme rounds to (0.01).
    var roundingUnit: Exact { Self.unit(places: compiled.scheme.rounding.places) }

    func distances(_ stage: StageResult) -> [WhatIfGradeDistance] {
        let now = standing(stage)
        guard let score = now.score else { return [] }
        let order = gradeOrder()
        let position = now.grade.flatMap { order.firstIndex(of: $0) } ?? order.count
        let above = order.prefix(position).reversed()
        let rules = compiled.scheme.grades
        let places = compiled.scheme.rounding.places
        func need(_ points: Exact) -> Exact { points > .zero ? points : .zero }
        func still(_ points: Exact) -> String { points > .zero ? "还差 \(points.formatted(places: places)) 分" : "分数已够" }

        if focus == .composite {
            return above.compactMap { grade in
                guard let band = rules.bands.first(where: { $0.grade == grade }) else { return nil }
                let needed = need(Exact(band.min) - score)
                return WhatIfGradeDistance(grade: grade, basis: .band(min: band.min), pointsNeeded: needed, blockedBy: nil,
                                           text: "\(grade)（\(band.min) 分起）：\(still(needed))")
            }
        }
        guard case .subject(let subject) = focus else { return [] }
        let result = stage.subjects[subject]
        var vetoText: String?
        if case .veto? = result.gradeBasis { vetoText = result.gradeBasis!.text }
        // Out of the threshold grade: above its score (or at it, when it is not inclusive).
        var thresholdNeed = Exact.zero
        var thresholdText = ""
        if let below = rules.below {
            let pass = Exact(below.score) + (rules.belowInclusive ? roundingUnit : .zero)
            thresholdNeed = need(pass - score)
            thresholdText = rules.belowInclusive ? "须高于 \(below.score) 分（至少 \(pass.formatted(places: places))）" : "须达到 \(below.score) 分"
        }
        var distances: [WhatIfGradeDistance] = []
        for grade in above {
            if let vetoText {
                distances.append(WhatIfGradeDistance(
                    grade: grade, basis: .threshold(score: rules.below?.score ?? .zero, inclusive: rules.belowInclusive), pointsNeeded: nil,
                    blockedBy: vetoText, text: "\(grade)：不能以分数达到（\(vetoText)）"))
                continue
            }
            if let share = rules.byRank.firstIndex(where: { $0.grade == grade }) {
                distances.append(rankDistance(grade, share: share, stage: stage, subject: subject, score: score,
                                              threshold: (thresholdNeed, thresholdText)))
            } else if let band = rules.bands.first(where: { $0.grade == grade }) {
                var needed = need(Exact(band.min) - score)
                var text = "\(grade)（\(band.min) 分起）"
                if rules.below != nil, grade != rules.below?.grade, thresholdNeed > .zero {
                    needed = Exact.max(needed, thresholdNeed)
                    text += "，\(thresholdText)"
                }
                distances.append(WhatIfGradeDistance(grade: grade, basis: .band(min: band.min), pointsNeeded: needed, blockedBy: nil,
                                                     text: text + "：\(still(needed))"))
            } else if let below = rules.below, grade == below.grade {
                distances.append(WhatIfGradeDistance(grade: grade, basis: .threshold(score: below.score, inclusive: rules.belowInclusive),
                                                     pointsNeeded: .zero, blockedBy: nil, text: "\(grade)：分数已够"))
            }
        }
        return distances
    }

    /// A rank share: the quota, the subject just inside it among the others (who stay as they are), and the points
    /// to reach its score (a tie shares the better grade).
    private func rankDistance(
        _ grade: String, share position: Int, stage: StageResult, subject: Int, score: Exact, threshold: (Exact, String)
    ) -> WhatIfGradeDistance {
        let rules = compiled.scheme.grades
        let places = compiled.scheme.rounding.places
        let share = rules.byRank[position].share
        let members = stage.subjects.indices.filter { depths[$0] == depths[subject] && stage.subjects[$0].gradedScore != nil }
        let others = members.filter { index in
            guard index != subject, case .rank? = stage.subjects[index].gradeBasis else { return false }
            return true
        }.sorted {
            let (a, b) = (stage.subjects[$0].gradedScore!, stage.subjects[$1].gradedScore!)
            return a != b ? a > b : $0 < $1
        }
        let baseCount = rules.quota.base == .all ? members.count : others.count + 1
        let quota = rules.quota.count(share: share, of: baseCount)
        let unit = compiled.scheme.subjectKind == .person ? "人" : "个"
        let baseText = (rules.quota.base == .all ? "全部 \(baseCount) \(unit)" : "参与名次定等的 \(baseCount) \(unit)")
            + " × \(share.percentText) → \(quota) 名"
        var text = "\(grade)（按名次：\(baseText)）"
        guard quota > 0 else {
            return WhatIfGradeDistance(grade: grade, basis: .rankShare(share: share, line: nil), pointsNeeded: nil,
                                       blockedBy: "名额为 0", text: text + "：名额为 0，不能达到")
        }
        var needed = Exact.zero
        var line: WhatIfRankLine?
        if others.count >= quota {
            let inside = others[quota - 1]
            let lineScore = stage.subjects[inside].gradedScore!
            let item = stage.subjects[inside].subject
            line = WhatIfRankLine(subject: item.id, name: item.name, score: lineScore, place: quota, quota: quota, baseCount: baseCount)
            needed = lineScore - score > .zero ? lineScore - score : .zero
            text += "：名额内最后一名 \(item.name) \(lineScore.formatted(places: places)) 分，追平即可（同分并列同等，假定其他人得分不变）"
        } else {
            text += "：其他人未占满名额，参与按名次定等即可"
        }
        if threshold.0 > .zero {
            needed = Exact.max(needed, threshold.0)
            text += "，\(threshold.1)"
        }
        text += "；" + (needed > .zero ? "还差 \(needed.formatted(places: places)) 分" : "分数已够")
        return WhatIfGradeDistance(grade: grade, basis: .rankShare(share: share, line: line), pointsNeeded: needed, blockedBy: nil, text: text)
    }
}
