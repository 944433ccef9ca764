internal import GS1

/// Where a unit is in its life. Pure data; the rules are in ``IngestPlan``.
public enum UnitPhase: Int, Hashable, Sendable, CaseIterable {
    /// Commissioned and in the manufacturer's possession.
    case commissioned = 1
    /// Shipped to a partner (sold).
    case shipped = 2
    /// Received back as a return; in possession again.
    case returned = 3
    /// Decommissioned (label voided, unit out of the supply chain).
    case decommissioned = 4
    /// Destroyed.
    case destroyed = 5

    /// Whether the manufacturer holds the unit and may pack, ship or decommission it.
    public var inPossession: Bool { self == .commissioned || self == .returned }

    /// A word for messages.
    public var word: String {
        switch self {
        case .commissioned: "commissioned"
        case .shipped: "shipped"
        case .returned: "returned"
        case .decommissioned: "decommissioned"
        case .destroyed: "destroyed"
        }
    }
}

/// The stored state of one unit.
public struct UnitRow: Hashable, Sendable {
    public var key: UnitKey
    public var phase: UnitPhase
    public var lot: String?
    /// `YYYY-MM-DD`.
    public var expiry: String?
    /// The container it is packed in.
    public var parent: UnitKey?
    /// The latest shipment it left in.
    public var shipment: String?
    public var commissionRecord: String
    /// The commissioning instant (``FeedTime/utc``).
    public var commissionUTC: String
    /// The aggregation record that packed it into ``parent``.
    public var packRecord: String?
    public var packUTC: String?
    /// The record that last changed it.
    public var lastRecord: String

    public init(
        key: UnitKey, phase: UnitPhase, lot: String?, expiry: String?, parent: UnitKey?, shipment: String?, commissionRecord: String,
        commissionUTC: String, packRecord: String?, packUTC: String?, lastRecord: String
    ) {
        self.key = key
        self.phase = phase
        self.lot = lot
        self.expiry = expiry
        self.parent = parent
        self.shipment = shipment
        self.commissionRecord = commissionRecord
        self.commissionUTC = commissionUTC
        self.packRecord = packRecord
        self.packUTC = packUTC
        self.lastRecord = lastRecord
    }
}

/// What the store must write for an accepted batch, in one transaction.
public struct ChangeSet: Sendable {
    /// Records to remember (for idempotency and audit), with their kind and line.
    public var records: [FeedRecord] = []
    /// Records the store already had with the same content: skipped.
    public var alreadyApplied: [String] = []
    public var products: [ProductRecord] = []
    public var locations: [LocationRecord] = []
    /// Commission records whose units are inserted.
    public var commissions: [(id: String, record: CommissionRecord)] = []
    /// Final rows of existing (or just inserted) units that the batch changed.
    public var updates: [UnitRow] = []
    /// New shipments.
    public var shipments: [(id: String, record: ShipRecord, unitCount: Int, eventRecords: [String])] = []
    /// Status changes.
    public var statuses: [(id: String, record: StatusRecord)] = []
    /// Event-bearing records (everything but master data), for the composer's event headers.
    public var events: [FeedRecord] = []

    /// How many serials (SGTINs and SSCCs) the batch commissions.
    public var commissionedCount: Int { commissions.reduce(0) { $0 + $1.record.count } }
}

/// The ingest of one batch as a sans-I/O conversation: the plan says what it needs to know
/// from the store (``next()``), the store engine answers (``provide(_:)``), and the plan
/// decides, with no I/O of its own, whether the batch is accepted and what changes.
///
/// Both store engines drive the same plan, so a batch gets the same verdict and the same
/// messages on SQLite and on PostgreSQL.
public struct IngestPlan: Sendable {
    /// A question for the store.
    public enum Need: Sendable {
        /// Digests of these record ids, if stored.
        case records([String])
        /// Which of these GTINs have product master data.
        case products([String])
        /// Which of these shipment ids exist.
        case shipments([String])
        /// Rows of these units, if they exist.
        case units([UnitKey])
        /// Rows of the units packed directly in these containers.
        case children([UnitKey])
        /// The decision.
        case done(Result<ChangeSet, BatchRejected>)
    }

    /// An answer.
    public enum Answer: Sendable {
        case records([String: String])
        case products(Set<String>)
        case shipments(Set<String>)
        case units([UnitRow])
    }

    /// The batch.
    public let records: [FeedRecord]
    private var step = 0
    private var storedDigests: [String: String] = [:]
    private var knownProducts: Set<String> = []
    private var knownShipments: Set<String> = []
    private var rows: [UnitKey: UnitRow] = [:]
    private var children: [UnitKey: Set<UnitKey>] = [:]
    private var expanded: Set<UnitKey> = []
    private var pendingChildren: [UnitKey] = []
    private var ancestorRounds = 0

    /// Deepest packing hierarchy followed (item → case → pallet is 3).
    public static let maximumDepth = 16

    public init(records: [FeedRecord]) {
        self.records = records
    }

    /// Every unit a commission record of the batch creates, with the record that creates it.
    public var commissionedUnits: [(key: UnitKey, record: FeedRecord, index: Int)] {
        records.flatMap { record -> [(key: UnitKey, record: FeedRecord, index: Int)] in
            guard case .commission(let commission) = record.body else { return [] }
            return commission.units.enumerated().map { ($0.element, record, $0.offset) }
        }
    }

    /// The next question, or the decision.
    public mutating func next() -> Need {
        switch step {
        case 0: return .records(records.map(\.id))
        case 1:
            var gtins = Set<String>()
            for record in records {
                switch record.body {
                case .commission(let commission): if case .items(let gtin, _, _, _) = commission.content { gtins.insert(gtin.value) }
                case .status(let status):
                    switch status.scope {
                    case .product(let gtin), .lot(let gtin, _): gtins.insert(gtin.value)
                    case .serials: break
                    }
                default: break
                }
            }
            return .products(gtins.sorted())
        case 2:
            return .shipments(records.compactMap { if case .ship(let ship) = $0.body { ship.shipment } else { nil } })
        case 3:
            // Units this batch commissions are not looked up: if the store has them too, writing
            // the batch fails on the key and duplicateIssues(existing:) says which.
            var keys = Set<UnitKey>()
            for record in records { keys.formUnion(Self.references(record.body)) }
            keys.subtract(commissionedUnits.map(\.key))
            return .units(keys.sorted())
        case 4:
            // Ancestors of what was fetched, so that cycles are seen.
            let missing = Set(rows.values.compactMap(\.parent)).subtracting(rows.keys)
            if !missing.isEmpty && ancestorRounds < IngestPlan.maximumDepth {
                ancestorRounds += 1
                return .units(missing.sorted())
            }
            step = 5
            pendingChildren = Set(records.flatMap { Self.expansionRoots($0.body) }).filter { rows[$0] != nil }.sorted()
            return next()
        case 5:
            let parents = pendingChildren.filter { !expanded.contains($0) }
            if parents.isEmpty {
                step = 6
                return next()
            }
            expanded.formUnion(parents)
            return .children(parents)
        default:
            return .done(decide())
        }
    }

    /// The store's answer to the last question.
    public mutating func provide(_ answer: Answer) {
        switch answer {
        case .records(let digests): storedDigests = digests
        case .products(let gtins): knownProducts = gtins
        case .shipments(let ids): knownShipments = ids
        case .units(let fetched):
            for row in fetched {
                if step == 5 {
                    children[row.parent!, default: []].insert(row.key)
                    if !expanded.contains(row.key) { pendingChildren.append(row.key) }
                }
                rows[row.key] = row
            }
            if step == 5 {
                // The fetched rows' own children come next; rows without children end the walk.
                pendingChildren = pendingChildren.filter { !expanded.contains($0) }
                return
            }
        }
        if step < 4 { step += 1 }
    }

    /// Issues for units the store refused as already existing when the batch was written
    /// (another batch may have commissioned them meanwhile), and for units commissioned twice
    /// within the batch.
    public func duplicateIssues(existing: [UnitRow]) -> BatchRejected {
        let stored = Dictionary(existing.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var firstSeen: [UnitKey: (FeedRecord, Int)] = [:]
        var issues: [RecordIssue] = []
        for (key, record, index) in commissionedUnits {
            let field = Self.commissionField(record, index)
            if let row = stored[key] {
                issues.append(
                    RecordIssue(
                        .duplicateSerial, line: record.line(of: field.list, index), recordID: record.id, field: field.path, value: key.serialColumn,
                        reason: "\(key) was already commissioned by record \(row.commissionRecord)",
                        hint: "a serial is commissioned once; remove it from this record, or use a new serial"))
            } else if let (first, firstIndex) = firstSeen[key] {
                issues.append(
                    RecordIssue(
                        .duplicateSerial, line: record.line(of: field.list, index), recordID: record.id, field: field.path, value: key.serialColumn,
                        reason:
                            "\(key) is commissioned twice in this batch (first by record \(first.id), line \(first.line(of: field.list, firstIndex)))",
                        hint: "remove the repeated serial"))
            } else {
                firstSeen[key] = (record, index)
            }
        }
        return BatchRejected(issues: issues)
    }

    private static func commissionField(_ record: FeedRecord, _ index: Int) -> (list: String, path: String) {
        if case .commission(let commission) = record.body, case .ssccs = commission.content { return ("ssccs", "ssccs[\(index)]") }
        return ("serials", "serials[\(index)]")
    }

    /// Units whose current state a record depends on.
    static func references(_ body: FeedRecord.Body) -> [UnitKey] {
        switch body {
        case .aggregate(let record), .disaggregate(let record): [record.parent] + record.children
        case .ship(let record): record.items
        case .receive(let record): record.items
        case .decommission(let record), .destroy(let record): record.items
        case .status(let record): if case .serials(let keys) = record.scope { keys } else { [] }
        case .product, .location, .commission: []
        }
    }

    /// Units whose contents a record moves or checks with them.
    static func expansionRoots(_ body: FeedRecord.Body) -> [UnitKey] {
        switch body {
        case .ship(let record): record.items
        case .receive(let record): record.items
        case .decommission(let record), .destroy(let record): record.items
        case .disaggregate(let record): [record.parent]
        default: []
        }
    }

    // MARK: The decision

    private func decide() -> Result<ChangeSet, BatchRejected> {
        var state = Decision(rows: rows, children: children, knownProducts: knownProducts, knownShipments: knownShipments)
        var changes = ChangeSet()
        let referenced = Set(records.flatMap { Self.references($0.body) })
        let productsInBatch = Set(records.compactMap { if case .product(let product) = $0.body { product.gtin.value } else { nil } })
        state.knownProducts.formUnion(productsInBatch)
        for record in records {
            if let digest = storedDigests[record.id] {
                if digest == record.digest {
                    changes.alreadyApplied.append(record.id)
                } else {
                    state.issues.append(
                        RecordIssue(
                            .conflictingRecord, line: record.line, recordID: record.id, field: "id", value: record.id,
                            reason: "record \(record.id) was ingested before with different content",
                            hint: "records are immutable: send a new record with a new id to change anything"))
                }
                continue
            }
            changes.records.append(record)
            state.apply(record, referenced: referenced, into: &changes)
        }
        guard state.issues.isEmpty else { return .failure(BatchRejected(issues: state.issues)) }
        changes.updates = state.touched.sorted().map { state.rows[$0]! }
        return .success(changes)
    }
}

/// The working state while a batch is decided: stored rows overlaid with the batch's changes.
private struct Decision {
    var rows: [UnitKey: UnitRow]
    var children: [UnitKey: Set<UnitKey>]
    var knownProducts: Set<String>
    var knownShipments: Set<String>
    var issues: [RecordIssue] = []
    var touched: Set<UnitKey> = []

    mutating func apply(_ record: FeedRecord, referenced: Set<UnitKey>, into changes: inout ChangeSet) {
        let before = issues.count
        var updated: [UnitRow] = []
        switch record.body {
        case .product(let product): changes.products.append(product)
        case .location(let location): changes.locations.append(location)
        case .commission(let commission):
            if case .items(let gtin, _, _, _) = commission.content, !knownProducts.contains(gtin.value) {
                report(
                    record, .unknownMasterData, "", nil, "gtin", gtin.value, "GTIN \(gtin.value) has no product master data",
                    "send a product record for it (name, NDC, dosage form, strength, container size) before or with this batch")
            }
            changes.commissions.append((record.id, commission))
            for key in commission.units where referenced.contains(key) && rows[key] == nil {
                var lot: String?, expiry: String?
                if case .items(_, let itemLot, let itemExpiry, _) = commission.content { (lot, expiry) = (itemLot, itemExpiry) }
                rows[key] = UnitRow(
                    key: key, phase: .commissioned, lot: lot, expiry: expiry, parent: nil, shipment: nil, commissionRecord: record.id,
                    commissionUTC: commission.time.utc, packRecord: nil, packUTC: nil, lastRecord: record.id)
            }
        case .aggregate(let aggregate):
            guard let parent = existing(aggregate.parent, "parent", nil, record) else { break }
            if !parent.phase.inPossession {
                report(
                    record, .illegalTransition, "", nil, "parent", aggregate.parent.description,
                    "container \(aggregate.parent) is \(parent.phase.word)", "pack only into containers you hold")
            }
            notBefore(aggregate.time, parent, "parent", nil, record)
            var ancestors: Set<UnitKey> = [aggregate.parent]
            var cursor = parent.parent
            while let next = cursor, ancestors.insert(next).inserted { cursor = rows[next]?.parent }
            for (index, childKey) in aggregate.children.enumerated() {
                let field = "children[\(index)]"
                guard var child = existing(childKey, field, index, record) else { continue }
                if ancestors.contains(childKey) {
                    report(
                        record, .aggregationCycle, "children", index, field, childKey.description,
                        childKey == aggregate.parent
                            ? "a container cannot contain itself" : "\(childKey) contains \(aggregate.parent), so it cannot also go inside it",
                        "check the parent and child; the outer container is the parent")
                    continue
                }
                if !child.phase.inPossession {
                    report(
                        record, .illegalTransition, "children", index, field, childKey.description, "\(childKey) is \(child.phase.word)",
                        "pack only units you hold")
                    continue
                }
                if let current = child.parent {
                    report(
                        record, .illegalTransition, "children", index, field, childKey.description,
                        "\(childKey) is already packed in \(current)",
                        current == aggregate.parent ? "remove it from this record" : "disaggregate it from \(current) first")
                    continue
                }
                notBefore(aggregate.time, child, "children[\(index)]", index, record)
                child.parent = aggregate.parent
                child.packRecord = record.id
                child.packUTC = aggregate.time.utc
                child.lastRecord = record.id
                children[aggregate.parent, default: []].insert(childKey)
                updated.append(child)
            }
        case .disaggregate(let disaggregate):
            guard existing(disaggregate.parent, "parent", nil, record) != nil else { break }
            let keys = disaggregate.children.isEmpty ? (children[disaggregate.parent] ?? []).sorted() : disaggregate.children
            if keys.isEmpty {
                report(
                    record, .illegalTransition, "", nil, "parent", disaggregate.parent.description, "\(disaggregate.parent) holds nothing",
                    "check the container")
            }
            for (index, childKey) in keys.enumerated() {
                let field = disaggregate.children.isEmpty ? "parent" : "children[\(index)]"
                guard var child = existing(childKey, field, disaggregate.children.isEmpty ? nil : index, record) else { continue }
                guard child.parent == disaggregate.parent else {
                    report(
                        record, .illegalTransition, "children", index, field, childKey.description,
                        "\(childKey) is not packed in \(disaggregate.parent)" + (child.parent.map { " but in \($0)" } ?? ""),
                        "name the container it is in")
                    continue
                }
                child.parent = nil
                child.packRecord = nil
                child.packUTC = nil
                child.lastRecord = record.id
                children[disaggregate.parent]?.remove(childKey)
                updated.append(child)
            }
        case .ship(let ship):
            if !knownShipments.insert(ship.shipment).inserted {
                report(
                    record, .duplicateReference, "", nil, "shipment", ship.shipment, "shipment \(ship.shipment) already exists",
                    "give every shipment its own id")
            }
            var count = 0
            var eventRecords = Set<String>()
            for (index, key) in ship.items.enumerated() {
                let field = "items[\(index)]"
                guard let row = existing(key, field, index, record) else { continue }
                if let parent = row.parent {
                    report(
                        record, .illegalTransition, "items", index, field, key.description, "\(key) is packed in \(parent)",
                        "ship the outermost container (\(outermost(parent))) or disaggregate \(key) first")
                    continue
                }
                for unit in subtree(key) {
                    guard var row = rows[unit] else { continue }
                    guard row.phase.inPossession else {
                        report(
                            record, .illegalTransition, "items", index, field, unit.description,
                            unit == key
                                ? "\(unit) is \(row.phase.word) and cannot be shipped" : "\(key) contains \(unit), which is \(row.phase.word)",
                            row.phase == .shipped ? "it left in shipment \(row.shipment ?? "?"); ship each unit once" : "remove it from the shipment")
                        continue
                    }
                    notBefore(ship.time, row, field, index, record)
                    eventRecords.insert(row.commissionRecord)
                    if let packRecord = row.packRecord { eventRecords.insert(packRecord) }
                    row.phase = .shipped
                    row.shipment = ship.shipment
                    row.lastRecord = record.id
                    updated.append(row)
                    rows[unit] = row
                    count += 1
                }
            }
            changes.shipments.append((record.id, ship, count, eventRecords.sorted()))
        case .receive(let receive):
            for (index, key) in receive.items.enumerated() {
                let field = "items[\(index)]"
                guard existing(key, field, index, record) != nil else { continue }
                for unit in subtree(key) {
                    guard var row = rows[unit] else { continue }
                    guard row.phase == .shipped else {
                        report(
                            record, .illegalTransition, "items", index, field, unit.description,
                            "\(unit) is \(row.phase.word), not shipped, so it cannot come back", "receive only units that were shipped")
                        continue
                    }
                    row.phase = .returned
                    row.lastRecord = record.id
                    updated.append(row)
                    rows[unit] = row
                }
            }
        case .decommission(let removal), .destroy(let removal):
            let destroy = record.kind == "destroy"
            for (index, key) in removal.items.enumerated() {
                let field = "items[\(index)]"
                guard var row = existing(key, field, index, record) else { continue }
                let allowed = destroy ? row.phase.inPossession || row.phase == .decommissioned : row.phase.inPossession
                guard allowed else {
                    report(
                        record, .illegalTransition, "items", index, field, key.description,
                        "\(key) is \(row.phase.word) and cannot be \(destroy ? "destroyed" : "decommissioned")",
                        row.phase == .shipped ? "the partner now holds it" : "it is already out of the supply chain")
                    continue
                }
                if let contents = children[key], !contents.isEmpty {
                    report(
                        record, .illegalTransition, "items", index, field, key.description, "\(key) still holds \(contents.count) unit(s)",
                        "disaggregate it first")
                    continue
                }
                if let parent = row.parent { children[parent]?.remove(key) }
                row.parent = nil
                row.packRecord = nil
                row.packUTC = nil
                row.phase = destroy ? .destroyed : .decommissioned
                row.lastRecord = record.id
                updated.append(row)
            }
        case .status(let status):
            switch status.scope {
            case .product(let gtin), .lot(let gtin, _):
                if !knownProducts.contains(gtin.value) {
                    report(
                        record, .unknownMasterData, "", nil, "gtin", gtin.value, "GTIN \(gtin.value) has no product master data",
                        "check the GTIN, or send its product record")
                }
            case .serials(let keys):
                for (index, key) in keys.enumerated() {
                    let field = "items[\(index)]"
                    guard var row = existing(key, field, index, record) else { continue }
                    if case .sscc = key {
                        report(
                            record, .invalidValue, "items", index, field, key.description,
                            "statuses apply to products, lots and serialised items, not to SSCCs", "list the items")
                        continue
                    }
                    if let newExpiry = status.newExpiry {
                        if let expiry = row.expiry, newExpiry <= expiry {
                            report(
                                record, .invalidValue, "items", index, "newExpiry", newExpiry,
                                "\(key) already expires \(expiry); an extension must be later", "check the new expiry")
                            continue
                        }
                        row.expiry = newExpiry
                    }
                    row.lastRecord = record.id
                    updated.append(row)
                }
            }
            changes.statuses.append((record.id, status))
        }
        if issues.count == before {
            for row in updated {
                rows[row.key] = row
                touched.insert(row.key)
            }
            if case .product = record.body {} else if case .location = record.body {} else { changes.events.append(record) }
        }
    }

    private mutating func existing(_ key: UnitKey, _ field: String, _ index: Int?, _ record: FeedRecord) -> UnitRow? {
        if let row = rows[key] { return row }
        report(
            record, .illegalTransition, String(field.prefix { $0 != "[" }), index, field, key.description, "\(key) was never commissioned",
            "commission it first (a commission record before this one), or check the \(key.gtin == nil ? "SSCC" : "GTIN and serial")")
        return nil
    }

    /// An event may not happen before the unit's commissioning or packing.
    private mutating func notBefore(_ time: FeedTime, _ row: UnitRow, _ field: String, _ index: Int?, _ record: FeedRecord) {
        let earlier = max(row.commissionUTC, row.packUTC ?? "")
        // One time problem per record is enough to point at it.
        if time.utc < earlier, !issues.contains(where: { $0.recordID == record.id && $0.field == "time" }) {
            report(
                record, .illegalTransition, String(field.prefix { $0 != "[" }), index, "time", time.text,
                "this happens at \(time.utc), before \(row.key) was \(row.packUTC.map { $0 > row.commissionUTC } == true ? "packed" : "commissioned") (\(earlier))",
                "check the event time and its offset; events of a unit must be in order")
        }
    }

    private mutating func report(
        _ record: FeedRecord, _ code: RecordIssue.Code, _ list: String, _ index: Int?, _ field: String, _ value: String?, _ reason: String,
        _ hint: String
    ) {
        let line = index.map { record.line(of: list, $0) } ?? record.line
        issues.append(RecordIssue(code, line: line, recordID: record.id, field: field, value: value, reason: reason, hint: hint))
    }

    private func outermost(_ key: UnitKey) -> UnitKey {
        var current = key
        var seen: Set<UnitKey> = [key]
        while let parent = rows[current]?.parent, seen.insert(parent).inserted { current = parent }
        return current
    }

    /// The unit and everything packed in it, depth first.
    private func subtree(_ key: UnitKey) -> [UnitKey] {
        var result: [UnitKey] = []
        var stack = [key]
        var seen: Set<UnitKey> = []
        while let next = stack.popLast() {
            guard seen.insert(next).inserted else { continue }
            result.append(next)
            stack += (children[next] ?? []).sorted()
        }
        return result
    }
}
