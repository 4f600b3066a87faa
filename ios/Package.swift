// swift-tools-version:5.9
// The Rust core for iOS: an XCFramework of the static library (built by
// `make ios` on macOS) and the UniFFI-generated Swift API over it.
// Not compiled in CI: there is no Swift toolchain on the Linux build machine.
import PackageDescription

let package = Package(
    name: "MmCore",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "MmCore", targets: ["MmCore"]),
    ],
    targets: [
        // Static libmm_bindings.a per slice + MmCoreFFI.h + module.modulemap.
        .binaryTarget(name: "MmCoreFFI", path: "build/MmCoreFFI.xcframework"),
        // MmCore.swift is copied here by build-xcframework.sh from bindings/generated/swift.
        .target(name: "MmCore", dependencies: ["MmCoreFFI"], path: "Sources/MmCore"),
    ]
)
