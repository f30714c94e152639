package engine

import (
	"modernc.org/sqlite"
	"modernc.org/sqlite/pcache"
)

// SQLite's own page cache takes each page, 4,096 bytes with a header of
// about 260, in one allocation; modernc's allocator (modernc.org/memory)
// serves that from a slot of the next power of two, 8 KiB, so that a full
// cache of 2,000 KiB (cache_size's default, which every connection here
// runs with but the seed's) held almost 4 MiB, on each of six connections
// (four readers, the writer, the checkpointer): nearly half the server's
// peak memory beside the floor (issue 16). modernc's page cache module
// keeps a page's content and its header in two allocations, 4 KiB and
// 256 bytes, which fill their slots: the same pages cached, in the same
// number (SQLite sizes the cache in pages before it asks the module), for
// a little over half the memory. It must be registered before the process
// opens its first connection, which this package's initialisation comes
// before.
func init() { sqlite.MustRegisterPageCache(pageCache) }

var pageCache = pcache.New()
