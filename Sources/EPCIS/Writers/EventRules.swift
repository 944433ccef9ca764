/// Rules every writer checks before an event is written, and identifier respelling. Pure.
enum EventRules {
    /// Refuses an event that no EPCIS format could carry validly.
    ///
    /// - Parameter index: the 1-based position of the event in its document, for messages.
    static func check(_ event: EPCISEvent, index: Int) throws {
        let name = "event \(index) (\(event.type.rawValue) at \(event.eventTime))"
        if event.type != .transformation && event.action == nil {
            throw EPCISError(.invalidEvent, "\(name) has no action; EPCIS requires ADD, OBSERVE or DELETE")
        }
        if event.type == .transformation && event.action != nil {
            throw EPCISError(.invalidEvent, "\(name) has an action, which a TransformationEvent does not have")
        }
        if event.type == .transaction && event.bizTransactions.isEmpty {
            throw EPCISError(.invalidEvent, "\(name) has no bizTransactionList; a TransactionEvent names at least one business transaction")
        }
        if event.type == .association && event.parentID == nil {
            throw EPCISError(.invalidEvent, "\(name) has no parentID; an AssociationEvent names the parent it associates children with")
        }
        if event.type != .transformation
            && (!event.inputEPCList.isEmpty || !event.outputEPCList.isEmpty || !event.inputQuantityList.isEmpty
                || !event.outputQuantityList.isEmpty || event.transformationID != nil)
        {
            throw EPCISError(.invalidEvent, "\(name) has transformation inputs/outputs, which only a TransformationEvent has")
        }
        if event.type == .object && event.parentID != nil {
            throw EPCISError(.invalidEvent, "\(name) has a parentID, which an ObjectEvent does not have")
        }
        if !event.ilmd.isEmpty && event.type != .object && event.type != .transformation {
            throw EPCISError(.invalidEvent, "\(name) has ILMD, which only Object and Transformation events carry")
        }
        for reference in event.sources + event.destinations where reference.type == nil {
            throw EPCISError(
                .invalidEvent,
                "\(name) has a source or destination '\(reference.value)' without a type; use owning_party, possessing_party or location")
        }
    }

    /// What every reader requires of a freshly read event: an `eventTime`, an
    /// `eventTimeZoneOffset` (taken from `eventTime` when missing, which the returned message
    /// reports as a warning) and, except on a TransformationEvent, an `action`.
    ///
    /// - Parameters:
    ///   - name: how messages name the event; `location`: where it is in the input.
    static func completeRead(_ event: inout EPCISEvent, name: String, location: String) throws -> String? {
        guard !event.eventTime.isEmpty else {
            throw EPCISError(.invalidEvent, "\(name) has no eventTime; every EPCIS event records when it happened", location: location)
        }
        var warning: String?
        if event.eventTimeZoneOffset.isEmpty {
            guard let offset = EPCISXMLDecoding.offset(of: event.eventTime) else {
                throw EPCISError(
                    .invalidEvent, "\(name) has no eventTimeZoneOffset and its eventTime '\(event.eventTime)' has no offset to take it from",
                    location: location)
            }
            event.eventTimeZoneOffset = offset
            warning = "\(name) has no eventTimeZoneOffset; \(offset) was taken from its eventTime"
        }
        if event.type != .transformation && event.action == nil {
            throw EPCISError(.invalidEvent, "\(name) has no action; EPCIS requires ADD, OBSERVE or DELETE", location: location)
        }
        return warning
    }

    /// The event with its GS1 identifiers in the form the options ask for.
    static func respelled(_ event: EPCISEvent, _ options: EPCISWriterOptions) throws -> EPCISEvent {
        var event = event
        let id = options.identifier
        event.epcList = try event.epcList.map(id)
        event.inputEPCList = try event.inputEPCList.map(id)
        event.outputEPCList = try event.outputEPCList.map(id)
        event.parentID = try event.parentID.map(id)
        event.readPoint = try event.readPoint.map(id)
        event.bizLocation = try event.bizLocation.map(id)
        for index in event.quantityList.indices { event.quantityList[index].epcClass = try id(event.quantityList[index].epcClass) }
        for index in event.inputQuantityList.indices { event.inputQuantityList[index].epcClass = try id(event.inputQuantityList[index].epcClass) }
        for index in event.outputQuantityList.indices { event.outputQuantityList[index].epcClass = try id(event.outputQuantityList[index].epcClass) }
        for index in event.sources.indices { event.sources[index].value = try id(event.sources[index].value) }
        for index in event.destinations.indices { event.destinations[index].value = try id(event.destinations[index].value) }
        return event
    }
}
