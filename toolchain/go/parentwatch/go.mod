module psk.local/toolchain/parentwatch

go 1.24
