// "Mapa" in SwiftUI, mirroring the Android MapActivity: MapKit's `Map` with
// the places of the visible box as annotations and bike paths as polylines,
// layer / accessibility-need / "open now" filters, search, a place card read
// well by VoiceOver, "navigate" through MKMapItem.openInMaps and "report a
// barrier" into the existing ReportFlowView, pre-filled. Which place meets
// which need and what "open now" means are the core's (placesInBox, place).
// Not compiled in CI (no Swift toolchain on Linux); kept thin on purpose.
import MapKit
import MmCore
import SwiftUI

private let polish = Locale.current.language.languageCode?.identifier != "en"
private func t(_ pl: String, _ en: String) -> String { polish ? pl : en }

let allLayers: [Layer] = [.infrastructure, .attractions, .monuments, .bikePaths]
let allNeeds: [AccessNeed] = [.stepFree, .accessibleToilet, .hearingLoop, .tactilePaving, .braille, .signLanguage,
                              .changingTable, .disabledParking]

/// The map's state: the visible box and the toggles, and what the core answered for them.
@MainActor
final class MapModel: ObservableObject {
    let core: MmCore
    @Published var region = MKCoordinateRegion(center: .init(latitude: 51.0335, longitude: 17.15),
                                               span: .init(latitudeDelta: 0.12, longitudeDelta: 0.2))
    @Published var layers = Set(allLayers)
    @Published var needs = Set<AccessNeed>()
    @Published var openNow = false
    @Published var places: [PlaceSummary] = []
    @Published var paths: [BikePathSummary] = []
    @Published var hits: [PlaceSummary] = []
    @Published var selected: PlaceDetail?
    @Published var error: UserError?

    init(core: MmCore) { self.core = core }

    private func run<T>(_ call: @escaping @Sendable () throws -> T) async -> T? {
        do {
            let v = try await Task.detached { try call() }.value
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

    /// The first view: the whole gmina.
    func load() async {
        if let b = await run({ [core] in try core.gminaBbox() }) ?? nil {
            region = MKCoordinateRegion(
                center: .init(latitude: (b.minLat + b.maxLat) / 2, longitude: (b.minLon + b.maxLon) / 2),
                span: .init(latitudeDelta: b.maxLat - b.minLat, longitudeDelta: b.maxLon - b.minLon))
        }
        await refresh()
    }

    func refresh() async {
        let box = self.box
        // Bike paths are drawn as lines; no layer on is none (the core's rule).
        let pointLayers = allLayers.filter { layers.contains($0) && $0 != .bikePaths }
        let filter = PlaceFilter(layers: pointLayers, needs: allNeeds.filter { needs.contains($0) },
                                 openAtMs: openNow ? Int64(Date().timeIntervalSince1970 * 1000) : nil, limit: 500)
        places = await run { [core] in try core.placesInBox(bbox: box, filter: filter) } ?? []
        if layers.contains(.bikePaths) {
            paths = await run { [core] in try core.bikePathsInBox(bbox: box) } ?? []
        } else {
            paths = []
        }
    }

    func search(_ text: String) async {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { hits = []; return }
        hits = await run { [core] in try core.searchPlaces(text: text, limit: 20) } ?? []
    }

    func select(_ id: Int64) async {
        selected = await run { [core] in try core.place(id: id, atMs: nil) }
    }

    /// A barrier report at the selected place; the core fills it in.
    func barrierReport() async -> ReportFlowModel? {
        guard let p = selected else { return nil }
        let flow = ReportFlowModel(core: core)
        await flow.startBarrierReport(placeId: p.id)
        return flow
    }
}

struct MapView: View {
    @StateObject var model: MapModel
    @State private var text = ""
    @State private var position: MapCameraPosition = .automatic
    @State private var report: ReportFlowModel?

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

            if let d = model.selected { PlaceCard(d: d) { Task { report = await model.barrierReport() } } }

            Section {
                ForEach(allLayers, id: \.self) { l in
                    Toggle(model.core.layerLabel(layer: l), isOn: Binding(get: { model.layers.contains(l) }, set: { on in
                        if on { model.layers.insert(l) } else { model.layers.remove(l) }
                        Task { await model.refresh() }
                    }))
                }
            } header: { Text(t("Warstwy", "Layers")).accessibilityAddTraits(.isHeader) }
            Section {
                ForEach(allNeeds, id: \.self) { n in
                    Toggle(model.core.needLabel(need: n), isOn: Binding(get: { model.needs.contains(n) }, set: { on in
                        if on { model.needs.insert(n) } else { model.needs.remove(n) }
                        Task { await model.refresh() }
                    }))
                }
                Toggle(t("Tylko otwarte teraz", "Open now only"), isOn: Binding(get: { model.openNow }, set: { on in
                    model.openNow = on
                    Task { await model.refresh() }
                }))
            } header: { Text(t("Potrzebuję", "I need")).accessibilityAddTraits(.isHeader) }

            Section {
                ForEach(model.hits.isEmpty ? model.places : model.hits, id: \.id) { p in
                    Button { Task { await model.select(p.id) } } label: {
                        VStack(alignment: .leading) {
                            Text(p.name)
                            Text("\(polish ? p.categoryNamePl : p.categoryNameEn) · \(model.core.wheelchairLabel(wheelchair: p.wheelchair))")
                                .font(.subheadline).foregroundStyle(.secondary)
                        }.accessibilityElement(children: .combine)
                    }
                }
            } header: { Text(t("Miejsca", "Places")).accessibilityAddTraits(.isHeader) }
        }
        .searchable(text: $text, prompt: t("Szukaj miejsca", "Search for a place"))
        .task(id: text) {
            try? await Task.sleep(nanoseconds: 250_000_000)
            await model.search(text)
        }
        .navigationTitle(t("Mapa", "Map"))
        .task {
            await model.load()
            position = .region(model.region)
        }
        .sheet(item: Binding(get: { report.map(ReportSheet.init) }, set: { report = $0?.flow })) { s in
            NavigationStack { ReportFlowView(flow: s.flow) }
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

private struct ReportSheet: Identifiable {
    let flow: ReportFlowModel
    var id: ObjectIdentifier { ObjectIdentifier(flow) }
}

/// The place card: one VoiceOver element per line, in the core's order.
struct PlaceCard: View {
    let d: PlaceDetail
    let reportBarrier: () -> Void

    /// The core's card, one sentence a line (the name is the header).
    var lines: [String] { d.card.dropFirst().map { $0.text } }

    var body: some View {
        Section {
            Text(d.name).font(.headline).accessibilityAddTraits(.isHeader)
            ForEach(lines, id: \.self) { Text($0) }
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
