import ArgumentParser
import Compliance
import EPCIS
import Foundation

/// `--to` values (a CLI-side copy: the library's enums stay free of ArgumentParser).
enum FormatArgument: String, ExpressibleByArgument, CaseIterable {
    case xml12 = "1.2-xml", xml20 = "2.0-xml", jsonld20 = "2.0-jsonld"
    var format: EPCISFormat { EPCISFormat(rawValue: rawValue)! }
}

/// `--identifiers` values.
enum IdentifierArgument: String, ExpressibleByArgument, CaseIterable {
    case asGiven = "as-given", urn, digitalLink = "digital-link"
    var form: EPCISWriterOptions.IdentifierForm { EPCISWriterOptions.IdentifierForm(rawValue: rawValue)! }
}

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// `epcis-gateway convert IN --to FORMAT [-o OUT]`.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an EPCIS document between 1.2 XML, 2.0 XML and 2.0 JSON-LD.",
        discussion: """
            The input format is recognised from the file. Events are streamed: the document is
            never held in memory whole (JSON-LD input is parsed whole). Header, SBDH, master data
            and extensions are carried across. What the target cannot carry validly fails with a
            message naming the event and field; nothing is dropped silently. EPCIS 2.0-only fields
            go to 1.2 through GS1's extension mapping.

            Exit status: 0 when converted, 1 when refused (the output file is then removed).
            """
    )

    @Argument(help: "The EPCIS document to convert.")
    var input: String

    @Option(help: "Target format: 1.2-xml, 2.0-xml or 2.0-jsonld.")
    var to: FormatArgument

    @Option(name: .shortAndLong, help: "Output file (default: standard output).")
    var output: String?

    @Option(help: "Identifier spelling: as-given, urn or digital-link.")
    var identifiers: IdentifierArgument = .asGiven

    func run() throws {
        let reader: any EPCISDocumentReader
        do {
            reader = try EPCISDocuments.open(path: input)
        } catch {
            printError("\(input): \(error)")
            throw ExitCode(1)
        }
        let target = output ?? "/dev/stdout"
        do {
            let sink = try FileSink(path: target)
            let count = try EPCISDocuments.convert(reader, to: to.format, sink: sink, options: EPCISWriterOptions(identifiers: identifiers.form))
            try sink.close()
            for warning in reader.warnings { printError("\(input): \(warning)") }
            if output != nil { printError("wrote \(count) events to \(target) as \(to.rawValue)") }
        } catch {
            for warning in reader.warnings { printError("\(input): \(warning)") }
            if let output { try? FileManager.default.removeItem(atPath: output) }
            printError("\(input): \(error)")
            throw ExitCode(1)
        }
    }
}

/// `epcis-gateway validate FILE... [--json]`.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate EPCIS documents (XML Schema, EPCIS rules, safety checks).",
        discussion: """
            XML documents are checked against the project's XML Schema for their version and kind
            (epcis-1.2.xsd, epcis-2.0.xsd, epcis-query-1.2.xsd, epcis-query-2.0.xsd) while being
            streamed, and every event against the EPCIS rules. JSON-LD documents are checked
            against epcis-2.0.schema.json, and every event against the EPCIS rules and the
            JSON-only rules. These schemas give the same verdicts as GS1's official ones (tested).
            They are installed with epcis-gateway (PREFIX/share/epcis-gateway/Schemas), so this
            works from any directory. Use --schemas (or EPCIS_GATEWAY_SCHEMAS) to name another
            directory with the same file names.

            --profile dscsa adds the GS1 US DSCSA rules (master data and NDCs, lot and expiry, what is
            shipped and packed, the shipping event, SBDH, transaction statement, event times); each
            finding has a rule id (dscsa:…), a place and a fix hint. --rules lists them.

            Exit status: 0 when every file is valid, 1 when one is not, 2 when the schemas cannot be loaded.
            """
    )

    @Argument(help: "The documents to validate.")
    var files: [String] = []

    @Option(help: "Also apply a profile's rules: dscsa (the GS1 US DSCSA rules, R1.2/R1.3 shape).")
    var profile: Profile?

    @Flag(help: "List the rules of --profile dscsa (id, severity, what each asks) and exit.")
    var rules = false

    enum Profile: String, ExpressibleByArgument, CaseIterable { case dscsa }

    @Option(help: "Directory with the schema files (default: the ones installed with epcis-gateway; \(SchemaDirectory.variable) overrides).")
    var schemas: String?

    @Flag(help: "Print the reports as JSON.")
    var json = false

    func run() throws {
        if rules {
            for rule in DSCSARule.all { print("\(rule.id)  \(rule.severity.rawValue)  \(rule.summary)\n    fix: \(rule.hint)") }
            return
        }
        guard !files.isEmpty else { throw ValidationError("name the documents to validate (or --rules to list the DSCSA rules)") }
        let compiled: EPCISSchemas
        do {
            compiled = try SchemaDirectory.load(schemas)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let reports = files.map { EPCISValidator.validate(path: $0, schemas: compiled, rules: profile == .dscsa ? DSCSAProfile() : nil) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(reports), as: UTF8.self))
        } else {
            for report in reports {
                let errors = report.issues.filter { $0.severity == .error }.count + report.moreErrors
                let warnings = report.issues.count(where: { $0.severity == .warning })
                print(
                    "\(report.file): \(report.valid ? "valid" : "INVALID") (\(report.format?.rawValue ?? "unknown format"), \(report.events) events, \(errors) errors, \(warnings) warnings)"
                )
                for issue in report.issues { print("  \(issue)") }
                if report.moreErrors > 0 { print("  … and \(report.moreErrors) more errors") }
            }
        }
        if !reports.allSatisfy(\.valid) { throw ExitCode(1) }
    }
}
