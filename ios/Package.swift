// swift-tools-version:5.9
// The Rust core for iOS: an XCFramework of the static library (built by
// `make ios` on macOS) and the UniFFI-generated Swift API over it. The app
// target (project.yml) depends on this package's `MmCore` library.
// Not compiled in CI: there is no Swift toolchain on the Linux build machine.
import PackageDescription

let package = Package(
    name: "MmCore",
    // iOS only: the XCFramework has no macOS slice. iOS 17: the app uses
    // Observation, MapKit's SwiftUI `Map` content and two-value `onChange`.
    platforms: [.iOS(.v17)],
    products: [
        .library(name: "MmCore", targets: ["MmCore"]),
    ],
    targets: [
        // Static libmm_bindings.a per slice + MmCoreFFI/{MmCoreFFI.h,module.modulemap}.
        .binaryTarget(name: "MmCoreFFI", path: "build/MmCoreFFI.xcframework"),
        // MmCore.swift is copied here by build-xcframework.sh from bindings/generated/swift.
        .target(name: "MmCore", dependencies: ["MmCoreFFI"], path: "Sources/MmCore"),
    ]
)
