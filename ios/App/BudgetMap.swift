// The participatory budget's projects on a MapKit map, as Android's
// BudgetMapView shows them in the edition and results screens: a project
// at a point as a marker, one over an area as its outline with a marker in
// its middle; in the results a selected project's marker is filled, another
// hollow. A marker opens the project. The map is framed on what it shows
// (`.automatic`); its VoiceOver label says how many projects it shows and
// that the list below has them all. Not compiled in CI (no Swift toolchain
// on Linux): `make test-swift` parses it and checks its calls into the
// bindings.
import MapKit
import MmCore
import SwiftUI

/// One project on the map.
struct ProjectPin: Identifiable {
    let id: Int64
    let title: String
    let location: BudgetProjectLocation
    /// Results: selected for funding (filled marker); elsewhere always filled.
    let filled: Bool

    /// Where the marker stands: the point, or the middle of an area's outline
    /// (the mean of its vertices, as Android's `BudgetMapView.pointOf`).
    var marker: CLLocationCoordinate2D? {
        switch location {
        case let .point(point):
            return CLLocationCoordinate2D(latitude: point.lat, longitude: point.lon)
        case let .area(rings):
            guard let outline = rings.first, !outline.isEmpty else { return nil }
            let n = Double(outline.count)
            return CLLocationCoordinate2D(latitude: outline.map { $0.lat }.reduce(0, +) / n,
                                          longitude: outline.map { $0.lon }.reduce(0, +) / n)
        }
    }

    /// An area's outline (nil for a point).
    var outline: [CLLocationCoordinate2D]? {
        guard case let .area(rings) = location, let ring = rings.first, !ring.isEmpty else { return nil }
        return ring.map { CLLocationCoordinate2D(latitude: $0.lat, longitude: $0.lon) }
    }

    /// The edition's projects that have a place.
    static func of(_ projects: [BudgetProject]) -> [ProjectPin] {
        projects.compactMap { p in
            p.location.map { ProjectPin(id: p.id, title: p.title, location: $0, filled: true) }
        }
    }

    /// The results' projects that have a place (`projects`: the edition's, for
    /// the places); a selected one filled.
    static func of(_ results: BudgetResults, _ projects: [BudgetProject]) -> [ProjectPin] {
        var places: [Int64: BudgetProjectLocation] = [:]
        for p in projects { places[p.id] = p.location }
        return results.pools.flatMap { $0.projects }.compactMap { r in
            places[r.project].map { ProjectPin(id: r.project, title: r.title, location: $0, filled: r.selected) }
        }
    }
}

/// The projects on a map, rows of the caller's section; nothing when none has a place.
struct ProjectsMap: View {
    let pins: [ProjectPin]
    /// What VoiceOver reads for the map as a whole.
    let summary: String
    @State private var position: MapCameraPosition = .automatic

    var body: some View {
        if !pins.isEmpty {
            Map(position: $position) {
                ForEach(pins) { pin in
                    if let outline = pin.outline {
                        MapPolygon(coordinates: outline)
                            .foregroundStyle(.green.opacity(0.2))
                            .stroke(.green, lineWidth: 2)
                    }
                    if let at = pin.marker {
                        Annotation(pin.title, coordinate: at) {
                            NavigationLink(value: Route.budgetProject(pin.id)) {
                                Image(systemName: pin.filled ? "circle.fill" : "circle")
                                    .font(.title3)
                                    .foregroundStyle(.green)
                                    .padding(4)
                                    .background(.background, in: Circle())
                            }
                            .accessibilityLabel(pin.title)
                        }
                    }
                }
            }
            .frame(height: 280)
            .accessibilityLabel(summary)
        }
    }
}
