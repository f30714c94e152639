package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// LockFile is the file in the data directory that the process working on
// it holds an exclusive lock on (serve, migrate, seed, restore). The lock
// is the operating system's (flock): it goes with the process, so a crash
// leaves no stale lock behind, and the file itself is never removed.
const LockFile = "cloison.lock"

// DirLock is a held lock on a data directory.
type DirLock struct {
	fl *flock.Flock
}

// DirInUseError says that another process holds the data directory's lock.
type DirInUseError struct {
	Dir string
	// Holder is what the holding process wrote in the lock file
	// ("pid 1234, cloison serve"), when it could be read.
	Holder string
}

func (e *DirInUseError) Error() string {
	who := "another Cloison process"
	if e.Holder != "" {
		who += " (" + e.Holder + ")"
	}
	return fmt.Sprintf("the data directory %s is in use by %s", e.Dir, who)
}

// DirNotWritableError says that the data directory cannot be created or
// written to by this process.
type DirNotWritableError struct {
	Dir string
	Err error
}

func (e *DirNotWritableError) Error() string {
	return fmt.Sprintf("the data directory %s cannot be written to: %v", e.Dir, e.Err)
}

func (e *DirNotWritableError) Unwrap() error { return e.Err }

// LockDir takes the exclusive lock on the data directory dir, creating the
// directory (mode 0700) when missing. what names the command holding it,
// written in the lock file for whoever is refused. It fails with a
// *DirInUseError when another process holds the lock, and with a
// *DirNotWritableError when the directory cannot be created or written.
func LockDir(dir, what string) (*DirLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &DirNotWritableError{Dir: dir, Err: err}
	}
	path := filepath.Join(dir, LockFile)
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, &DirNotWritableError{Dir: dir, Err: err}
	}
	if !ok {
		return nil, &DirInUseError{Dir: dir, Holder: LockHolder(dir)}
	}
	// Best effort: the note only makes a refusal clearer.
	_ = os.WriteFile(path, []byte("pid "+strconv.Itoa(os.Getpid())+", "+what+"\n"), 0o600)
	return &DirLock{fl: fl}, nil
}

// Unlock releases the lock.
func (l *DirLock) Unlock() error {
	if l == nil {
		return nil
	}
	return l.fl.Unlock()
}

// DirInUse reports whether a process holds the lock on dir, without taking
// it for longer than the check; a directory without a lock file is not in use.
func DirInUse(dir string) (bool, error) {
	path := filepath.Join(dir, LockFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil {
		return false, err
	}
	if ok {
		return false, fl.Unlock()
	}
	return true, nil
}

// LockHolder is what the process holding dir's lock wrote about itself,
// or "" when the lock file cannot be read.
func LockHolder(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, LockFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
