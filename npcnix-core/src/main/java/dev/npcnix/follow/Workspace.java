package dev.npcnix.follow;

import dev.npcnix.local.LocalFiles;
import dev.npcnix.state.DataDir;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One poll's private directory under {@code tmp/}, made on first need and removed when the poll ends. */
final class Workspace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Workspace.class);

    private final DataDir dataDir;
    private Path dir;

    Workspace(DataDir dataDir) {
        this.dataDir = dataDir;
    }

    /** The directory, created 0700 on first call. */
    Path dir() {
        if (dir == null) {
            dir = dataDir.newTempDir("release-");
        }
        return dir;
    }

    /** Removes the directory; idempotent. */
    @Override
    public void close() {
        if (dir != null) {
            try {
                LocalFiles.deleteRecursively(dir);
            } catch (RuntimeException e) {
                log.warn("cannot remove {}: {}", dir, e.getMessage()); // the next start cleans tmp/
            }
            dir = null;
        }
    }
}
