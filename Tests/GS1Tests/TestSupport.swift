import GS1

/// A small seeded generator (SplitMix64) so property tests are repeatable: a failure names its seed.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generators for valid GS1 values.
enum Generate {
    static let gs1Characters: [Character] = Array(#"!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"#)

    static func digits(_ count: Int, using rng: inout SeededRandom) -> String {
        String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
    }

    static func text(maxLength: Int = 20, using rng: inout SeededRandom) -> String {
        // Bias towards the characters that need escaping so the interesting cases are common.
        let special: [Character] = Array(#""%&/<>?()*+,.:;=!'"#)
        return String(
            (0..<Int.random(in: 1...maxLength, using: &rng)).map { _ in
                Bool.random(using: &rng) && Int.random(in: 0..<4, using: &rng) == 0
                    ? special.randomElement(using: &rng)! : gs1Characters.randomElement(using: &rng)!
            })
    }

    static func gtin(using rng: inout SeededRandom) -> GTIN {
        try! GTIN(payload: String(Int.random(in: 0...8, using: &rng)) + digits(12, using: &rng))
    }

    static func yymmdd(using rng: inout SeededRandom) -> String {
        let month = Int.random(in: 1...12, using: &rng)
        let yy = Int.random(in: 20...45, using: &rng)
        // Days 00 and 29-31 exercise end-of-month rules; keep them valid for the year.
        let year = 2000 + yy
        let day = Int.random(in: 0...GS1Date.daysInMonth(year: year, month: month), using: &rng)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return two(yy) + two(month) + two(day)
    }

    /// A pack-level message: GTIN with any mix of expiry, lot and serial.
    static func packMessage(using rng: inout SeededRandom, referenceYear: Int) -> GS1Message {
        var elements = [GS1Element(.gtin, gtin(using: &rng).value)]
        if Bool.random(using: &rng) { elements.append(GS1Element(.expiry, yymmdd(using: &rng))) }
        if Int.random(in: 0..<4, using: &rng) == 0 { elements.append(GS1Element(.productionDate, yymmdd(using: &rng))) }
        if Bool.random(using: &rng) { elements.append(GS1Element(.lot, text(using: &rng))) }
        if Int.random(in: 0..<5, using: &rng) > 0 { elements.append(GS1Element(.serial, text(using: &rng))) }
        return try! GS1Message(elements.shuffled(using: &rng), referenceYear: referenceYear)
    }

    /// Any supported message shape: pack, logistic unit, location, party.
    static func message(using rng: inout SeededRandom, referenceYear: Int) -> GS1Message {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return try! GS1Message([GS1Element(.sscc, try! SSCC(payload: digits(17, using: &rng)).value)], referenceYear: referenceYear)
        case 1:
            var elements = [GS1Element(.locationGLN, try! GLN(payload: digits(12, using: &rng)).value)]
            if Bool.random(using: &rng) { elements.append(GS1Element(.glnExtension, text(using: &rng))) }
            return try! GS1Message(elements, referenceYear: referenceYear)
        case 2: return try! GS1Message([GS1Element(.partyGLN, try! GLN(payload: digits(12, using: &rng)).value)], referenceYear: referenceYear)
        default: return packMessage(using: &rng, referenceYear: referenceYear)
        }
    }
}
