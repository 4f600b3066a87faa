#!/bin/sh
# Builds build/MmCoreFFI.xcframework (device + simulator static libraries)
# and copies the generated Swift API into Sources/MmCore. macOS + Xcode only;
# `make ios` calls it after `make bindings-debug` generated the Swift sources.
set -eu
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
GEN=$ROOT/bindings/generated/swift

for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  rustup target add "$t" >/dev/null
  # staticlib alone: with the `lib` crate type beside it rustc skips LTO.
  (cd "$ROOT" && cargo rustc -p mm-bindings --profile mobile --lib --crate-type staticlib --target "$t")
done

rm -rf build && mkdir -p build/headers build/sim
cp "$GEN/MmCoreFFI.h" build/headers/
cp "$GEN/MmCoreFFI.modulemap" build/headers/module.modulemap
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
