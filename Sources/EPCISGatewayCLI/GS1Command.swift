import ArgumentParser
import Foundation
import GS1

/// `epcis-gateway gs1 …`: identifier tools.
struct GS1Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gs1",
        abstract: "Read and convert GS1 identifiers: barcodes, EPC URIs, Digital Links, GTINs, NDCs.",
        subcommands: [GS1ParseCommand.self]
    )
}

/// `epcis-gateway gs1 parse <code>`: what a code means, in every form the gateway writes.
struct GS1ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Explain a scanned code, EPC URI, Digital Link, GTIN, SSCC or NDC.",
        discussion: """
            A scanned DataMatrix usually starts with ]d2 and separates variable-length fields with
            GS (ASCII 29). On a command line, write GS as <GS> or \\x1d. The human-readable form
            (01)00300010123455(17)260300(10)ABC(21)1234 is accepted too.

            EPC URIs need the GS1 Company Prefix length, which a GTIN does not carry: give it with
            --company-prefix-length, or give the product's hyphenated NDC with --ndc (the prefix is
            then 03 + labeler). The gateway never guesses it.

            Exit status: 0 when the code is valid, 1 when it is not.
            """
    )

    @Argument(help: "The code to explain.")
    var code: String

    @Option(name: .customLong("company-prefix-length"), help: "GS1 Company Prefix length (6-12), from master data.")
    var companyPrefixLength: Int?

    @Option(help: "The product's hyphenated NDC from master data, for example 0001-0123-45.")
    var ndc: String?

    @Option(help: "Scheme, host and path prefix for Digital Links.")
    var digitalLinkBase: String = GS1DigitalLink.defaultBase

    @Option(help: "Year the YYMMDD century window is centred on (default: this year).")
    var referenceYear: Int?

    @Flag(help: "Print JSON for machines.")
    var json = false

    func run() throws {
        let input = code.replacingOccurrences(of: "<GS>", with: "\u{1D}").replacingOccurrences(of: "\\x1d", with: "\u{1D}")
            .replacingOccurrences(of: "\\x1D", with: "\u{1D}")
        let report: CodeReport
        do {
            report = try CodeReport(
                input: input, referenceYear: referenceYear ?? GS1Date.currentYear(), companyPrefixLength: companyPrefixLength,
                storedNDC: ndc, digitalLinkBase: digitalLinkBase)
        } catch let error as GS1Error {
            if json {
                print(try Self.encode(ErrorReport(error: .init(error))))
            } else {
                FileHandle.standardError.write(Data(Self.explain(error).utf8))
            }
            throw ExitCode.failure
        }
        print(json ? try Self.encode(report) : report.text)
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The error, the input with a caret under the offending character, and the expected form.
    static func explain(_ error: GS1Error) -> String {
        var text = "error: \(error.message) [\(error.code)]\n"
        if let input = error.input {
            let shown = GS1ErrorDisplay.visible(input)
            text += "  \(shown.text)\n"
            if let offset = error.offset {
                text += "  \(String(repeating: " ", count: shown.column(of: offset)))^ character \(offset + 1)\n"
            }
        }
        if let expected = error.expected { text += "expected: \(expected)\n" }
        return text
    }
}

/// Renders control characters visibly while keeping track of columns, for the caret line.
enum GS1ErrorDisplay {
    struct Shown {
        let text: String
        let columns: [Int]
        func column(of offset: Int) -> Int { offset < columns.count ? columns[offset] : (columns.last.map { $0 + 1 } ?? 0) }
    }

    static func visible(_ input: String) -> Shown {
        var text = ""
        var columns: [Int] = []
        var column = 0
        for scalar in input.unicodeScalars {
            columns.append(column)
            let piece = scalar == "\u{1D}" ? "<GS>" : scalar.value < 32 ? "<0x\(String(scalar.value, radix: 16))>" : String(scalar)
            text += piece
            column += piece.count
        }
        return Shown(text: text, columns: columns)
    }
}

struct ErrorReport: Encodable {
    struct Detail: Encodable {
        let code: String
        let message: String
        let input: String?
        let offset: Int?
        let expected: String?
        init(_ error: GS1Error) {
            code = error.code.description
            message = error.message
            input = error.input
            offset = error.offset
            expected = error.expected
        }
    }
    let error: Detail
}
