// Package parentwatch ends a plugin process, and the processes it started, soon after
// the process that started it (the pulumi CLI, or a language host) has died.
//
// The CLI starts every plugin in a process group of its own and kills that group
// when it shuts a plugin down. When the CLI itself is killed nobody does that, and
// a plugin would serve an abandoned gRPC port forever. Start polls the parent pid:
// once the process has been re-parented, it kills the tracked children, then its
// own process group (when it leads one), then exits.
package parentwatch

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// Interval is how often Start checks the parent pid.
const Interval = 250 * time.Millisecond

var (
	mu       sync.Mutex
	children = map[*os.Process]struct{}{}
)

// Start begins watching the parent in the background. name prefixes the one line
// written to stderr when the watch ends the process.
func Start(name string) {
	parent := os.Getppid()
	if parent <= 1 {
		return // started by init: there is no parent to outlive
	}
	go func() {
		for range time.Tick(Interval) {
			if os.Getppid() != parent {
				fmt.Fprintf(os.Stderr, "%s: parent process %d has exited; stopping\n", name, parent)
				KillAll()
				os.Exit(1)
			}
		}
	}()
}

// SysProcAttr is for a child command: the kernel kills the child when the thread
// that started it exits (Go threads outlive goroutines, so in practice: when this
// process exits, however it exits).
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// Track records a started child so that KillAll reaches it even when it left the
// process group; call the returned function once the child has been waited for.
func Track(p *os.Process) func() {
	mu.Lock()
	children[p] = struct{}{}
	mu.Unlock()
	return func() {
		mu.Lock()
		delete(children, p)
		mu.Unlock()
	}
}

// KillAll kills the tracked children, then the process group this process leads
// (this process included). It returns only if this process leads no group.
func KillAll() {
	mu.Lock()
	for p := range children {
		_ = p.Kill()
	}
	mu.Unlock()
	if pid := os.Getpid(); syscall.Getpgrp() == pid {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
