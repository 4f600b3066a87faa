// "Mapa": MapKit's `Map` with the places of the visible box as annotations
// and bike paths as polylines, layer / accessibility-need / "open now"
// filters (labels from the core), place search (a hit centres the map),
// the nearest places to me, a place card in the core's sentences, "navigate"
// through MKMapItem.openInMaps and "report a barrier" into the wizard,
// pre-filled by the core. Not compiled in CI: `make test-swift` parses it
// and checks its calls into the bindings.
import MapKit
import MmCore
import SwiftUI

/// The map's state: the visible box and the toggles, and what the core answered for them.
@MainActor
@Observable
final class MapModel {
    let core: MmCore
    var region = MKCoordinateRegion(center: .init(latitude: 51.0335, longitude: 17.15),
                                    span: .init(latitudeDelta: 0.12, longitudeDelta: 0.2))
    // The toggles: a layer missing here is on, a need missing is off.
    // `Layer.allCases`, `AccessNeed.allCases`: one added in Rust shows up here.
    var layerOn: [Layer: Bool] = [:]
    var needOn: [AccessNeed: Bool] = [:]
    var openNow = false
    var places: [PlaceSummary] = []
    var paths: [BikePathSummary] = []
    var hits: [PlaceSummary] = []
    var nearest: [PlaceSummary] = []
    var selected: PlaceDetail?
    var error: UserError?
    /// Bumped on each query: an older answer that lands late is dropped.
    @ObservationIgnored private var generation = 0

    init(core: MmCore) { self.core = core }

    private func run<T: Sendable>(_ call: @escaping @Sendable () throws -> T) async -> T? {
        do {
            let v = try await offMain(call)
            error = nil
            return v
        } catch {
            self.error = UserError(error)
            return nil
        }
    }

    var box: BoundingBox {
        BoundingBox(minLat: region.center.latitude - region.span.latitudeDelta / 2,
                    minLon: region.center.longitude - region.span.longitudeDelta / 2,
                    maxLat: region.center.latitude + region.span.latitudeDelta / 2,
                    maxLon: region.center.longitude + region.span.longitudeDelta / 2)
    }

    /// The toggles as the core's filter: the point layers chosen (bike paths
    /// are lines, asked for apart), the needs, "open now".
    var filter: PlaceFilter {
        PlaceFilter(layers: Layer.allCases.filter { layerOn[$0, default: true] && $0 != .bikePaths },
                    needs: AccessNeed.allCases.filter { needOn[$0, default: false] },
                    openAtMs: openNow ? Date().ms : nil, limit: 500)
    }

    /// The first view: the whole gmina.
    func load() async {
        if let found = await run({ [core] in try core.gminaBbox() }), let b = found {
            region = MKCoordinateRegion(
                center: .init(latitude: (b.minLat + b.maxLat) / 2, longitude: (b.minLon + b.maxLon) / 2),
                span: .init(latitudeDelta: b.maxLat - b.minLat, longitudeDelta: b.maxLon - b.minLon))
        }
        await refresh()
    }

    func refresh() async {
        generation += 1
        let mine = generation
        let (box, filter) = (self.box, self.filter)
        let found = await run { [core] in try core.placesInBox(bbox: box, filter: filter) } ?? []
        var lines: [BikePathSummary] = []
        if layerOn[.bikePaths, default: true] {
            lines = await run { [core] in try core.bikePathsInBox(bbox: box) } ?? []
        }
        guard mine == generation else { return }
        places = found
        paths = lines
    }

    func search(_ text: String) async {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { hits = []; return }
        hits = await run { [core] in try core.searchPlaces(text: text, limit: 20) } ?? []
    }

    /// The ten nearest places meeting the toggles (the core measures).
    func loadNearest(_ fix: Fix) async {
        let point = GeoPoint(lat: fix.lat, lon: fix.lon)
        let filter = self.filter
        nearest = await run { [core] in try core.nearestPlaces(point: point, n: 10, filter: filter) } ?? []
    }

    func select(_ id: Int64) async {
        selected = await run { [core] in try core.place(id: id, atMs: nil) }
    }

    /// The map centred on a place (a search hit, a nearest place).
    func centre(on p: PlaceSummary) -> MKCoordinateRegion {
        MKCoordinateRegion(center: .init(latitude: p.point.lat, longitude: p.point.lon),
                           span: .init(latitudeDelta: 0.01, longitudeDelta: 0.01))
    }
}

struct MapView: View {
    @Bindable var model: MapModel
    let reports: ReportsModel
    @State private var text = ""
    @State private var position: MapCameraPosition = .automatic
    @State private var reporting = false
    @State private var location = OneFix()

    var body: some View {
        List {
            ErrorLine(error: model.error)
            Map(position: $position) {
                ForEach(model.paths, id: \.id) { p in
                    MapPolyline(coordinates: p.points.map { .init(latitude: $0.lat, longitude: $0.lon) })
                        .stroke(.green, lineWidth: 4)
                }
                ForEach(model.places, id: \.id) { p in
                    Annotation(p.name, coordinate: .init(latitude: p.point.lat, longitude: p.point.lon)) {
                        Button { Task { await model.select(p.id) } } label: {
                            Image(systemName: symbol(p.layer)).padding(6).background(.background, in: Circle())
                        }
                        .accessibilityLabel(p.spokenText)
                    }
                }
            }
            .frame(height: 320)
            .onMapCameraChange(frequency: .onEnd) { ctx in
                model.region = ctx.region
                Task { await model.refresh() }
            }
            .accessibilityLabel(t("Mapa: \(model.places.count) miejsc. Lista miejsc poniżej.",
                                  "Map: \(model.places.count) places. The list of places is below."))

            if let d = model.selected {
                PlaceCard(d: d) {
                    Task {
                        await reports.flow.startBarrierReport(placeId: d.id)
                        reporting = true
                    }
                }
            }

            Section {
                ForEach(Layer.allCases, id: \.self) { l in
                    FilterToggle(title: model.core.layerLabel(layer: l), on: model.layerOn[l, default: true]) { model.layerOn[l] = $0 }
                }
            } header: { Text(t("Warstwy", "Layers")).accessibilityAddTraits(.isHeader) }
            Section {
                ForEach(AccessNeed.allCases, id: \.self) { n in
                    FilterToggle(title: model.core.needLabel(need: n), on: model.needOn[n, default: false]) { model.needOn[n] = $0 }
                }
                Toggle(t("Tylko otwarte teraz", "Open now only"), isOn: $model.openNow)
            } header: { Text(t("Potrzebuję", "I need")).accessibilityAddTraits(.isHeader) }

            Section {
                Button(t("Najbliższe miejsca", "Nearest places")) { location.request() }
                if location.denied {
                    Text(t("Bez zgody na lokalizację nie wiemy, co jest najbliżej.", "Without location permission we cannot tell what is nearest."))
                }
                ForEach(model.nearest, id: \.id) { p in placeRow(p) }
            } header: { Text(t("Najbliżej mnie", "Nearest to me")).accessibilityAddTraits(.isHeader) }

            Section {
                ForEach(model.hits.isEmpty ? model.places : model.hits, id: \.id) { p in placeRow(p) }
            } header: { Text(t("Miejsca", "Places")).accessibilityAddTraits(.isHeader) }
        }
        .searchable(text: $text, prompt: t("Szukaj miejsca", "Search for a place"))
        .task(id: text) {
            do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
            await model.search(text)
        }
        .navigationTitle(t("Mapa", "Map"))
        .task {
            await model.load()
            position = .region(model.region)
        }
        .onChange(of: location.fix) { _, fix in
            if let fix { Task { await model.loadNearest(fix) } }
        }
        // A toggle changed: the places again, for the same box.
        .onChange(of: model.layerOn) { _, _ in Task { await model.refresh() } }
        .onChange(of: model.needOn) { _, _ in Task { await model.refresh() } }
        .onChange(of: model.openNow) { _, _ in Task { await model.refresh() } }
        .sheet(isPresented: $reporting) {
            NavigationStack { ReportFlowView(flow: reports.flow) }
        }
    }

    /// A place in the list: the core's words for it; tapping centres the map and opens its card.
    private func placeRow(_ p: PlaceSummary) -> some View {
        Button {
            position = .region(model.centre(on: p))
            Task { await model.select(p.id) }
        } label: {
            VStack(alignment: .leading) {
                Text(p.name)
                Text("\(Launch.english ? p.categoryNameEn : p.categoryNamePl) · \(model.core.wheelchairLabel(wheelchair: p.wheelchair))"
                     + (p.distanceM.map { " · " + model.core.formatDistance(metres: $0) } ?? ""))
                    .font(.subheadline).foregroundStyle(.secondary)
            }
            .accessibilityElement(children: .combine)
            .accessibilityLabel(p.spokenText)
        }
    }

    private func symbol(_ l: Layer) -> String {
        switch l {
        case .infrastructure: return "building.columns"
        case .attractions: return "star"
        case .monuments: return "building.2"
        case .bikePaths: return "bicycle"
        }
    }
}

/// A filter switch with its own state; the model hears each change.
/// (Not `Binding(get:set:)` into the model: whether those closures may touch
/// main-actor state differs between SDKs in Swift 6 mode.)
struct FilterToggle: View {
    let title: String
    @State var on: Bool
    let changed: (Bool) -> Void

    var body: some View {
        Toggle(title, isOn: $on)
            .onChange(of: on) { _, now in changed(now) }
    }
}

/// The place card: the core's sentences in the core's order, one VoiceOver element each.
struct PlaceCard: View {
    let d: PlaceDetail
    let reportBarrier: () -> Void

    /// The name is the header; the rest are the core's lines.
    var lines: [CardLine] { d.card.filter { $0.kind != .name } }

    var body: some View {
        Section {
            Text(d.name).font(.headline).accessibilityAddTraits(.isHeader)
            ForEach(Array(lines.enumerated()), id: \.offset) { _, line in Text(line.text) }
            Button(t("Nawiguj", "Navigate")) {
                let item = MKMapItem(placemark: MKPlacemark(coordinate: .init(latitude: d.point.lat, longitude: d.point.lon)))
                item.name = d.name
                item.openInMaps(launchOptions: [MKLaunchOptionsDirectionsModeKey: MKLaunchOptionsDirectionsModeWalking])
            }
            .accessibilityLabel(t("Nawiguj do: \(d.name)", "Navigate to: \(d.name)"))
            Button(t("Zgłoś barierę", "Report a barrier"), action: reportBarrier)
                .accessibilityLabel(t("Zgłoś barierę architektoniczną: \(d.name)", "Report an architectural barrier: \(d.name)"))
        }
    }
}
