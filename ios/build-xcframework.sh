#!/bin/sh
# Builds build/MmCoreFFI.xcframework (device + simulator static libraries)
# and copies the generated Swift API into Sources/MmCore. macOS + Xcode only;
# `make ios` calls it after `make bindings-debug` generated the Swift sources.
set -eu
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
GEN=$ROOT/bindings/generated/swift

for f in MmCore.swift MmCoreFFI.h MmCoreFFI.modulemap; do
  if [ ! -f "$GEN/$f" ]; then
    echo "missing $GEN/$f: run 'make bindings-debug' first" >&2
    exit 1
  fi
done

# The Rust objects and the C in them (SQLite, ring) target the app's minimum.
export IPHONEOS_DEPLOYMENT_TARGET=17.0
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  rustup target add "$t" >/dev/null
  # staticlib alone: with the `lib` crate type beside it rustc skips LTO.
  (cd "$ROOT" && cargo rustc --locked -p mm-bindings --profile mobile --lib --crate-type staticlib --target "$t")
done

# Headers in their own sub-folder: a bare top-level module.modulemap collides
# with any other static XCFramework in the same app ("redefinition of module").
rm -rf build && mkdir -p build/headers/MmCoreFFI build/sim
cp "$GEN/MmCoreFFI.h" build/headers/MmCoreFFI/
cp "$GEN/MmCoreFFI.modulemap" build/headers/MmCoreFFI/module.modulemap
lipo -create \
  "$TARGET_DIR/aarch64-apple-ios-sim/mobile/libmm_bindings.a" \
  "$TARGET_DIR/x86_64-apple-ios/mobile/libmm_bindings.a" \
  -output build/sim/libmm_bindings.a
xcodebuild -create-xcframework \
  -library "$TARGET_DIR/aarch64-apple-ios/mobile/libmm_bindings.a" -headers build/headers \
  -library build/sim/libmm_bindings.a -headers build/headers \
  -output build/MmCoreFFI.xcframework
cp "$GEN/MmCore.swift" Sources/MmCore/MmCore.swift
echo "built ios/build/MmCoreFFI.xcframework and ios/Sources/MmCore/MmCore.swift"
