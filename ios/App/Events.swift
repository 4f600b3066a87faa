// "Wydarzenia": upcoming events grouped by the Warsaw day (the core's `day`
// and `dayText`), a category filter, the month calendar (the core's
// `month`: its title and each day's words), an event with "add to
// calendar" (EventKit's editor, pre-filled from the core's `CalendarEntry`:
// the recurrence rule in parts, all-day days inclusive), the .ics shared as a
// file and the gmina's calendar to subscribe to. Not compiled in CI:
// `make test-swift` parses it and checks its calls into the bindings.
import EventKit
import EventKitUI
import MmCore
import SwiftUI
import UniformTypeIdentifiers

/// One day's heading and its events, in the order the core gave them.
struct DaySection {
    let day: String
    let text: String
    var items: [EventOccurrence]
}

func daySections(_ events: [EventOccurrence]) -> [DaySection] {
    var sections: [DaySection] = []
    for o in events {
        if let last = sections.last, last.day == o.day {
            sections[sections.count - 1].items.append(o)
        } else {
            sections.append(DaySection(day: o.day, text: o.dayText, items: [o]))
        }
    }
    return sections
}

struct EventsView: View {
    @Environment(AppModel.self) private var model
    @State private var showMonth = false

    var body: some View {
        List {
            Picker(t("Widok", "View"), selection: $showMonth) {
                Text(t("Lista", "List")).tag(false)
                Text(t("Miesiąc", "Month")).tag(true)
            }
            .pickerStyle(.segmented)
            CategoryFilter()
            ErrorLine(error: model.error)
            if showMonth {
                MonthCalendar()
            } else {
                if model.events.isEmpty { Text(t("Brak nadchodzących wydarzeń.", "No upcoming events.")) }
                ForEach(daySections(model.events), id: \.day) { section in
                    Section {
                        ForEach(section.items, id: \.rowId) { EventRow(o: $0) }
                    } header: {
                        Text(section.text).accessibilityAddTraits(.isHeader)
                    }
                }
            }
        }
        .navigationTitle(t("Wydarzenia", "Events"))
        .navigationDestination(for: Route.self) { RouteDestination(route: $0) }
        .refreshable { await model.sync(); await model.loadEvents() }
        .task { await model.loadEvents() }
    }
}

/// The category filter: "Wszystkie" and each of the core's categories.
struct CategoryFilter: View {
    @Environment(AppModel.self) private var model

    var body: some View {
        Menu {
            Button(t("Wszystkie", "All")) { Task { await model.filterEvents(nil) } }
            ForEach(model.eventCategories, id: \.id) { c in
                Button(Launch.english ? c.nameEn : c.namePl) {
                    Task { await model.filterEvents(c.id) }
                }
            }
        } label: {
            Label(t("Kategoria: ", "Category: ") + chosenName, systemImage: "line.3.horizontal.decrease.circle")
        }
        .accessibilityHint(t("Pokazuje tylko wydarzenia wybranej kategorii", "Shows only the events of one category"))
    }

    private var chosenName: String {
        guard let id = model.eventCategory else { return t("wszystkie", "all") }
        let c = model.eventCategories.first { $0.id == id }
        return c.map { Launch.english ? $0.nameEn : $0.namePl } ?? id
    }
}

/// The month: the days that have events, in the core's words; a day opens its events.
struct MonthCalendar: View {
    @Environment(AppModel.self) private var model

    var body: some View {
        Section {
            HStack {
                Button { Task { await model.moveMonth(by: -1) } } label: { Image(systemName: "chevron.left") }
                    .accessibilityLabel(t("Poprzedni miesiąc", "Previous month"))
                Spacer()
                Text(model.month?.titleText ?? "").font(.headline).accessibilityAddTraits(.isHeader)
                Spacer()
                Button { Task { await model.moveMonth(by: 1) } } label: { Image(systemName: "chevron.right") }
                    .accessibilityLabel(t("Następny miesiąc", "Next month"))
            }
            .buttonStyle(.borderless)
            if let month = model.month {
                if month.days.isEmpty { Text(t("W tym miesiącu nie ma wydarzeń.", "No events this month.")) }
                ForEach(month.days, id: \.date) { d in
                    Button { Task { await model.select(d) } } label: { Text(d.text) }
                        .accessibilityAddTraits(model.selectedDay?.date == d.date ? .isSelected : [])
                }
            }
        }
        // Shown, or the category changed: the month again.
        .task(id: model.eventCategory) { await model.loadMonth() }
        if let day = model.selectedDay {
            Section {
                ForEach(model.dayEvents, id: \.rowId) { EventRow(o: $0) }
            } header: {
                Text(day.text).accessibilityAddTraits(.isHeader)
            }
        }
    }
}

/// The .ics of one event as a file, so Calendar and Files import it (a
/// shared String would arrive as text).
struct IcsFile: Transferable {
    let text: String

    static var transferRepresentation: some TransferRepresentation {
        DataRepresentation(exportedContentType: .calendarEvent) { file in Data(file.text.utf8) }
            .suggestedFileName("wydarzenie.ics")
    }
}

struct EventDetailView: View {
    @Environment(AppModel.self) private var model
    let id: Int64
    @State private var detail: EventDetail?
    @State private var ics: String?
    @State private var entry: CalendarEntry?
    @State private var adding = false
    @State private var error: UserError?

    var body: some View {
        ScrollView {
            if let d = detail {
                VStack(alignment: .leading, spacing: 8) {
                    Text(d.event.title).font(.title).accessibilityAddTraits(.isHeader)
                    if d.event.cancelled { Text(t("Odwołane", "Cancelled")).foregroundStyle(.red) }
                    Text(d.whenText)
                    if let place = d.event.placeName { Text(t("Miejsce: \(place)", "Place: \(place)")) }
                    if let name = Launch.english ? d.categoryNameEn : d.categoryNamePl {
                        Text(t("Kategoria: \(name)", "Category: \(name)"))
                    }
                    if let organiser = d.event.organiser { Text(t("Organizator: \(organiser)", "Organiser: \(organiser)")) }
                    if let access = d.event.accessibility { Text(t("Dostępność: \(access)", "Accessibility: \(access)")) }
                    Text(d.event.description)
                    if !d.nextOccurrences.isEmpty {
                        Text(t("Kolejne terminy", "Next dates")).font(.headline).accessibilityAddTraits(.isHeader)
                        ForEach(d.nextOccurrences, id: \.startsAtMs) { Text($0.whenText) }
                    }
                    ErrorLine(error: error)
                    if entry != nil && !d.event.cancelled {
                        Button(t("Dodaj do kalendarza", "Add to calendar")) { adding = true }
                            .buttonStyle(.borderedProminent)
                            .accessibilityHint(t("Otwiera kalendarz telefonu z tym wydarzeniem", "Opens the phone's calendar with this event"))
                    }
                    if let ics {
                        ShareLink(item: IcsFile(text: ics),
                                  preview: SharePreview(d.event.title)) {
                            Label(t("Udostępnij jako plik .ics", "Share as an .ics file"), systemImage: "square.and.arrow.up")
                        }
                    }
                    if let feed = URL(string: model.core.calendarFeed(category: d.event.category).subscribeUrl) {
                        Link(t("Subskrybuj kalendarz tej kategorii", "Subscribe to this category's calendar"), destination: feed)
                    }
                }
                .padding()
            }
        }
        .sheet(isPresented: $adding) {
            if let entry { AddToCalendar(entry: entry) { adding = false } }
        }
        .task { await load() }
    }

    private func load() async {
        let core = model.core
        let id = self.id
        do {
            detail = try await offMain { try core.event(id: id) }
            entry = try await offMain { try core.calendarEntry(eventId: id) }
            ics = try await offMain { try core.eventIcs(id: id) }
        } catch {
            self.error = UserError(error)
        }
    }
}

/// EventKit's own editor, pre-filled from the core's `CalendarEntry`; the
/// resident confirms or cancels there, and the delegate closes the sheet.
/// iOS 17: the editor runs out of process and needs no calendar access.
struct AddToCalendar: UIViewControllerRepresentable {
    let entry: CalendarEntry
    let done: @MainActor () -> Void

    func makeCoordinator() -> Closer { Closer(done: done) }

    func makeUIViewController(context: Context) -> EKEventEditViewController {
        let store = EKEventStore()
        let vc = EKEventEditViewController()
        vc.eventStore = store
        vc.event = CalendarEvent.make(entry, in: store)
        vc.editViewDelegate = context.coordinator
        return vc
    }

    func updateUIViewController(_ vc: EKEventEditViewController, context: Context) {}

    final class Closer: NSObject, EKEventEditViewDelegate {
        let done: @MainActor () -> Void
        init(done: @escaping @MainActor () -> Void) { self.done = done }

        func eventEditViewController(_ controller: EKEventEditViewController, didCompleteWith action: EKEventEditViewAction) {
            MainActor.assumeIsolated { done() }
        }
    }
}

/// The core's calendar entry as an EKEvent.
enum CalendarEvent {
    static func make(_ entry: CalendarEntry, in store: EKEventStore) -> EKEvent {
        let e = EKEvent(eventStore: store)
        e.title = entry.title
        e.location = entry.location
        e.notes = entry.description
        let zone = TimeZone(identifier: entry.timeZone) ?? TimeZone(identifier: "Europe/Warsaw") ?? .current
        if entry.allDay {
            // EventKit counts an all-day event's end day inclusively: the
            // core's `lastDay`, not the exclusive midnight after it.
            e.isAllDay = true
            e.startDate = day(entry.firstDay, zone) ?? Date(ms: entry.beginMs)
            e.endDate = day(entry.lastDay, zone) ?? Date(ms: entry.endMs)
        } else {
            e.timeZone = zone
            e.startDate = Date(ms: entry.beginMs)
            e.endDate = Date(ms: entry.endMs)
        }
        if let r = entry.recurrence { e.addRecurrenceRule(rule(r)) }
        return e
    }

    /// Noon of a `YYYY-MM-DD` day in the zone (noon: no DST edge moves it to another day).
    static func day(_ text: String, _ zone: TimeZone) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12))
    }

    /// The core's rule in parts (FREQ, INTERVAL, COUNT or UNTIL, BYDAY) as EventKit's.
    static func rule(_ r: Recurrence) -> EKRecurrenceRule {
        var end: EKRecurrenceEnd?
        if let count = r.count {
            end = EKRecurrenceEnd(occurrenceCount: Int(count))
        } else if let until = r.untilMs {
            end = EKRecurrenceEnd(end: Date(ms: until))
        }
        let days = r.byDay.map { d in
            d.ordinal == 0 ? EKRecurrenceDayOfWeek(weekday(d.weekday))
                           : EKRecurrenceDayOfWeek(weekday(d.weekday), weekNumber: Int(d.ordinal))
        }
        return EKRecurrenceRule(recurrenceWith: frequency(r.frequency), interval: Int(max(r.interval, 1)),
                                daysOfTheWeek: days.isEmpty ? nil : days, daysOfTheMonth: nil,
                                monthsOfTheYear: nil, weeksOfTheYear: nil, daysOfTheYear: nil,
                                setPositions: nil, end: end)
    }

    static func frequency(_ f: RecurrenceFrequency) -> EKRecurrenceFrequency {
        switch f {
        case .daily: return .daily
        case .weekly: return .weekly
        case .monthly: return .monthly
        }
    }

    static func weekday(_ d: DayOfWeek) -> EKWeekday {
        switch d {
        case .monday: return .monday
        case .tuesday: return .tuesday
        case .wednesday: return .wednesday
        case .thursday: return .thursday
        case .friday: return .friday
        case .saturday: return .saturday
        case .sunday: return .sunday
        }
    }
}
