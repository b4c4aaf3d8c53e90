//go:build tools

// Package tools pins the Prometheus server this project runs for the end-to-end tests:
// build.sh compiles github.com/prometheus/prometheus/cmd/prometheus at the version go.mod
// requires (versions.env), with every service discovery left out but Kubernetes'.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
)
