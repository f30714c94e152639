//go:build !linux

package engine

// startSQLite leaves SQLite its own mutexes where modernc's libc is not the
// one mutex.go is written for (see there).
func startSQLite() {}

// quietConnections is false: connections keep their mutex.
func quietConnections() bool { return false }

// quietHanded is 0: no connection is given a quiet mutex.
func quietHanded() int64 { return 0 }
