"""Tests of the Swift check: it passes on ios/ and fails on broken calls.

Run by `make test-swift` after the bindings were generated
(`bindings/generated/swift/MmCore.swift`, or MM_SWIFT_BINDINGS).
"""

import os
import re
import unittest
from pathlib import Path

import swiftcheck

ROOT = Path(__file__).resolve().parents[2]
BINDINGS = Path(os.environ.get("MM_SWIFT_BINDINGS", ROOT / "bindings/generated/swift/MmCore.swift"))
PLATFORM = swiftcheck.load_platform(Path(__file__).with_name("platform-names.txt"))
IOS = ROOT / "ios"


def check(swift: str, bindings: bytes | None = None) -> list[str]:
    problems, _ = swiftcheck.run(bindings or BINDINGS.read_bytes(), {"Test.swift": swift.encode()}, PLATFORM)
    return [str(p) for p in problems]


# A small, correct use of the bindings; each test breaks one thing in it.
GOOD = """
import MmCore
import SwiftUI

@MainActor
final class Probe {
    let core: MmCore
    var step: ReportStep = .category
    init(dir: URL) throws {
        core = try MmCore(config: CoreConfig(dataDir: dir.path, serverUrl: "https://example.org",
                                             platform: .ios, appVersion: "1", locale: "pl-PL"))
    }
    func load() async throws -> [EventOccurrence] {
        _ = try await core.sync(pageSize: nil, listener: nil)
        _ = try await core.flushOutbox()
        let events = try core.upcomingEvents(limit: 10, category: nil)
        let titles = events.map { $0.title }
        _ = titles
        _ = try core.searchPlaces(text: "urząd")
        let moved = nudgePoint(point: GeoPoint(lat: 51.0, lon: 17.0), direction: .north, metres: 5)
        _ = moved.lat
        _ = ReportDraftUpdate(point: moved, locationSource: .gps, accuracyM: 4)
        _ = Layer.bikePaths
        if step != .review { step = nextReportStep(step: step, category: nil) }
        return events
    }
    func words(_ e: Error) -> String {
        switch e as? MmError {
        case let .Network(code, pl, _, _): return code + pl
        case .Server, .InvalidInput, .NotFound, .Storage, .InvalidServerUrl, .GminaNotChosen, .ActivationLocked, .TaxesNotLinked, .Internal, nil: return ""
        }
    }
    func label(_ s: ReportStep) -> String {
        switch s {
        case .category, .location, .photos: return "a"
        case .questions, .description, .review: return "b"
        }
    }
}

struct Rows: View {
    let list: [EventOccurrence]
    var body: some View {
        List(list, id: \\.startsAtMs) { o in Text(o.whenText) }
    }
}
"""


class SwiftCheckTest(unittest.TestCase):
    def test_the_probe_passes(self):
        self.assertEqual(check(GOOD), [])

    def assertFails(self, old: str, new: str, expected: str):
        self.assertIn(old, GOOD, "the mutation must apply")
        problems = check(GOOD.replace(old, new, 1))
        self.assertTrue(any(expected in p for p in problems), f"wanted {expected!r} in {problems}")

    def test_a_wrong_method_name_fails(self):
        self.assertFails("core.upcomingEvents(limit:", "core.upcomingEvent(limit:", "`MmCore` has no method `upcomingEvent`")

    def test_a_wrong_label_fails(self):
        self.assertFails("upcomingEvents(limit: 10", "upcomingEvents(count: 10", "argument `count:` where `limit:` is expected")

    def test_a_missing_argument_fails(self):
        self.assertFails("nudgePoint(point: GeoPoint(lat: 51.0, lon: 17.0), direction: .north, metres: 5)",
                         "nudgePoint(point: GeoPoint(lat: 51.0, lon: 17.0), direction: .north)", "missing argument `metres:`")

    def test_a_missing_try_fails(self):
        self.assertFails("let events = try core.upcomingEvents", "let events = core.upcomingEvents", "needs `try`")

    def test_a_missing_try_on_the_constructor_fails(self):
        self.assertFails("core = try MmCore(", "core = MmCore(", "`MmCore` throws: the call needs `try`")

    def test_a_missing_await_fails(self):
        self.assertFails("try await core.flushOutbox()", "try core.flushOutbox()", "`MmCore.flushOutbox` is async")

    def test_try_inside_a_closure_does_not_cover_the_call_outside(self):
        self.assertFails("_ = try core.searchPlaces(text: \"urząd\")",
                         "_ = { try? 1 }; _ = core.searchPlaces(text: \"urząd\")", "`MmCore.searchPlaces` throws")

    def test_an_unknown_enum_case_fails(self):
        self.assertFails("direction: .north", "direction: .up", "`Direction` has no case `.up`")

    def test_an_unknown_case_on_the_type_fails(self):
        self.assertFails("Layer.bikePaths", "Layer.cycleways", "`Layer` has no case `.cycleways`")

    def test_an_unknown_case_in_a_comparison_fails(self):
        self.assertFails("step != .review", "step != .summary", "`ReportStep` has no case `.summary`")

    def test_an_unknown_case_in_a_property_default_fails(self):
        self.assertFails("var step: ReportStep = .category", "var step: ReportStep = .start", "`ReportStep` has no case `.start`")

    def test_a_switch_missing_a_case_fails(self):
        self.assertFails("case .questions, .description, .review:", "case .questions, .description:",
                         "switch over `ReportStep` misses `.review`")

    def test_an_error_pattern_with_the_wrong_number_of_values_fails(self):
        self.assertFails("case let .Network(code, pl, _, _)", "case let .Network(code, pl, _)",
                         "`MmError.Network` has 4 associated values, the pattern 3")

    def test_record_init_labels_are_checked_in_order(self):
        self.assertFails("ReportDraftUpdate(point: moved, locationSource: .gps, accuracyM: 4)",
                         "ReportDraftUpdate(locationSource: .gps, point: moved, accuracyM: 4)",
                         "argument `point:` out of order")

    def test_an_unknown_record_field_fails(self):
        self.assertFails("$0.title", "$0.name", "`EventOccurrence` has no field `name`")

    def test_an_unknown_key_path_field_fails(self):
        self.assertFails("id: \\.startsAtMs", "id: \\.startsAt", "`EventOccurrence` has no field `startsAt`")

    def test_an_unknown_function_fails(self):
        self.assertFails("nudgePoint(point:", "movePoint(point:", "`movePoint(…)` is not declared")

    def test_an_unknown_type_fails(self):
        self.assertFails("let list: [EventOccurrence]", "let list: [EventOccurence]", "type `EventOccurence` is not declared")

    def test_all_cases_needs_case_iterable(self):
        bindings = BINDINGS.read_bytes()
        without = bindings.replace(b"public enum Layer: Equatable, Hashable, CaseIterable {",
                                   b"public enum Layer: Equatable, Hashable {")
        self.assertNotEqual(without, bindings, "the mutation must apply")
        swift = GOOD.replace("_ = Layer.bikePaths", "_ = Layer.allCases")
        self.assertEqual(check(swift), [], "uniffi.toml makes the enums CaseIterable")
        self.assertTrue(any("CaseIterable" in p for p in check(swift, without)))

    def test_a_syntax_error_fails(self):
        problems = check(GOOD.replace("func label(_ s: ReportStep) -> String {", "func label(_ s: ReportStep) -> String {{"))
        self.assertTrue(any("syntax error" in p for p in problems), problems)


class TheAppTest(unittest.TestCase):
    def ios(self, bindings: bytes):
        files = swiftcheck.swift_files([str(IOS)])
        self.assertGreater(len(files), 3)
        return swiftcheck.run(bindings, files, PLATFORM)

    def test_ios_passes(self):
        problems, checker = self.ios(BINDINGS.read_bytes())
        self.assertEqual([str(p) for p in problems], [])
        self.assertGreater(checker.calls_checked, 80, "the screens' calls into the core are checked")

    def test_a_renamed_core_function_fails_the_app(self):
        # What a rename in bindings/src would generate: the Swift is now stale.
        renamed = BINDINGS.read_bytes().replace(b"func upcomingEvents(", b"func nextEvents(")
        problems, _ = self.ios(renamed)
        self.assertTrue(any("has no method `upcomingEvents`" in str(p) for p in problems), problems)

    def test_a_renamed_free_function_fails_the_app(self):
        renamed = BINDINGS.read_bytes().replace(b"public func nudgePoint(", b"public func movePoint(")
        problems, _ = self.ios(renamed)
        self.assertTrue(any("`nudgePoint(…)` is not declared" in str(p) for p in problems), problems)

    def test_a_renamed_record_field_fails_the_app(self):
        renamed = BINDINGS.read_bytes().replace(b"public var whenText: String", b"public var spanText: String")
        problems, _ = self.ios(renamed)
        self.assertTrue(any("has no field `whenText`" in str(p) for p in problems), problems)

    def test_a_new_enum_case_fails_an_exhaustive_switch(self):
        grown = BINDINGS.read_bytes().replace(b"    case review\n", b"    case review\n    case contact\n", 1)
        problems, _ = self.ios(grown)
        self.assertTrue(any("misses `.contact`" in str(p) for p in problems), problems)


class ApiReadingTest(unittest.TestCase):
    """The API is read completely from the generated file."""

    def test_every_method_of_mmcore_is_read(self):
        text = BINDINGS.read_text()
        body = text[text.index("open class MmCore:"):text.index("public struct FfiConverterTypeMmCore")]
        declared = set(re.findall(r"open func (\w+)\(", body)) - {"uniffiCloneHandle"}
        api, problems = swiftcheck.load_api(BINDINGS.read_bytes())
        self.assertEqual(problems, [])
        self.assertEqual(set(api.classes["MmCore"].methods) - {"uniffiCloneHandle"}, declared)
        self.assertTrue(api.classes["MmCore"].methods["sync"].is_async)
        self.assertTrue(api.classes["MmCore"].methods["sync"].throws)
        self.assertFalse(api.classes["MmCore"].methods["datetimeText"].throws)

    def test_every_record_and_enum_is_read(self):
        text = BINDINGS.read_text()
        structs = {s for s in re.findall(r"^public struct (\w+)", text, re.M) if not s.startswith("FfiConverter")}
        # The generator puts `public` on its own line before an error enum.
        enums = set(re.findall(r"^public\s+enum (\w+)", text, re.M))
        api, _ = swiftcheck.load_api(BINDINGS.read_bytes())
        self.assertEqual(set(api.records), structs)
        self.assertEqual(set(api.enums), enums)
        self.assertEqual([p.label for p in api.enums["MmError"].cases["InvalidInput"]],
                         ["code", "messagePl", "messageEn", "field"])
        self.assertTrue(api.enums["MmError"].is_error)


class IosProjectTest(unittest.TestCase):
    """What Xcode reads besides the Swift: the usage strings and identifiers
    the code needs are declared, and the deployment target is iOS 17 everywhere."""

    def setUp(self):
        import plistlib
        self.info = plistlib.loads((IOS / "App/Support/Info.plist").read_bytes())
        self.privacy = plistlib.loads((IOS / "App/Support/PrivacyInfo.xcprivacy").read_bytes())
        self.swift = "\n".join(f.decode() for f in swiftcheck.swift_files([str(IOS)]).values())

    def test_every_permission_the_code_asks_for_has_a_usage_string(self):
        needs = {
            "requestWhenInUseAuthorization": "NSLocationWhenInUseUsageDescription",
            "sourceType = .camera": "NSCameraUsageDescription",
            "EKEventStore": "NSCalendarsWriteOnlyAccessUsageDescription",
        }
        for api, key in needs.items():
            self.assertIn(api, self.swift, f"the app no longer uses {api}: update this test")
            self.assertTrue(self.info.get(key, "").strip(), f"{api} needs {key} in Info.plist")
        # iOS 17 EventKit: write-only, never full access.
        self.assertNotIn("NSCalendarsFullAccessUsageDescription", self.info)
        self.assertNotIn("requestFullAccessToEvents", self.swift)

    def test_the_background_refresh_identifier_is_permitted(self):
        ids = re.findall(r'identifier = "([^"]+)"', self.swift)
        self.assertTrue(ids, "OutboxRefresh declares its identifier")
        for i in ids:
            self.assertIn(i, self.info["BGTaskSchedulerPermittedIdentifiers"])
        self.assertIn("fetch", self.info["UIBackgroundModes"])

    def test_required_reason_apis_are_declared(self):
        declared = {d["NSPrivacyAccessedAPIType"] for d in self.privacy["NSPrivacyAccessedAPITypes"]}
        # SQLite and Rust std stat their files in the core, whatever the Swift does.
        self.assertIn("NSPrivacyAccessedAPICategoryFileTimestamp", declared)
        if "UserDefaults" in self.swift:
            self.assertIn("NSPrivacyAccessedAPICategoryUserDefaults", declared)
        self.assertFalse(self.privacy["NSPrivacyTracking"])

    def test_the_deployment_target_is_ios_17_everywhere(self):
        project = (IOS / "project.yml").read_text()
        self.assertEqual(set(re.findall(r'(?:iOS|deploymentTarget|IPHONEOS_DEPLOYMENT_TARGET): "([0-9.]+)"', project)), {"17.0"})
        self.assertIn("platforms: [.iOS(.v17)]", (IOS / "Package.swift").read_text())
        self.assertIn("IPHONEOS_DEPLOYMENT_TARGET=17.0", (IOS / "build-xcframework.sh").read_text())


if __name__ == "__main__":
    unittest.main()
