#!/usr/bin/env bash
# Builds RscLogbookFFI.xcframework from the Rust core for iOS devices, the iOS simulator and
# macOS. Run on a Mac with Xcode and rustup, from anywhere.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)

rustup target add "${targets[@]}"
for target in "${targets[@]}"; do
    cargo build --manifest-path "$root/Cargo.toml" --locked --release -p rsc-ffi --target "$target"
done

out="$root/target/xcframework"
rm -rf "$out" "$here/RscLogbookFFI.xcframework"
mkdir -p "$out/ios-sim" "$out/macos"
# One library per platform: simulators and Macs each get a universal (fat) library.
lipo -create "$root/target/aarch64-apple-ios-sim/release/librsc_ffi.a" \
    "$root/target/x86_64-apple-ios/release/librsc_ffi.a" -output "$out/ios-sim/librsc_ffi.a"
lipo -create "$root/target/aarch64-apple-darwin/release/librsc_ffi.a" \
    "$root/target/x86_64-apple-darwin/release/librsc_ffi.a" -output "$out/macos/librsc_ffi.a"

xcodebuild -create-xcframework \
    -library "$root/target/aarch64-apple-ios/release/librsc_ffi.a" -headers "$here/RscLogbookFFI/include" \
    -library "$out/ios-sim/librsc_ffi.a" -headers "$here/RscLogbookFFI/include" \
    -library "$out/macos/librsc_ffi.a" -headers "$here/RscLogbookFFI/include" \
    -output "$here/RscLogbookFFI.xcframework"
echo "built $here/RscLogbookFFI.xcframework"
