package store

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Instances started at the same moment on one fresh shared data directory
// (several instances on PostgreSQL) all start, with one and the same key:
// none fails on the file another is creating, none reads it half-written.
func TestInstancesStartingTogetherShareOneAttachmentKey(t *testing.T) {
	for range 50 {
		dir := t.TempDir()
		keys := make([][]byte, 4)
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() { keys[i], errs[i] = loadKey(dir, "") })
		}
		wg.Wait()
		onDisk, err := os.ReadFile(filepath.Join(dir, KeyFile))
		if err != nil {
			t.Fatal(err)
		}
		for i := range keys {
			if errs[i] != nil {
				t.Fatalf("start %d: %v", i, errs[i])
			}
			if !bytes.Equal(keys[i], onDisk) {
				t.Fatalf("start %d has another key than the file's", i)
			}
		}
	}
}
