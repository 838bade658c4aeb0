package dev.npcnix.rollout;

import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The rollout's objects on a {@code file://} store: create-only by a lock and a check, as two npcnix processes take turns. */
class FileRolloutBoardTest extends RolloutBoardContract {
    @TempDir
    Path storeDir;

    private RemoteStores stores;

    @BeforeEach
    void open() {
        stores = new RemoteStores(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty()));
    }

    @AfterEach
    void close() {
        stores.close();
    }

    @Override
    protected RemoteStore store() {
        return stores.forRemote(RemoteUri.of(storeDir.resolve("x")));
    }

    @Override
    protected RemoteUri newRemote() {
        return RemoteUri.of(storeDir.resolve(UUID.randomUUID() + ".npcnix"));
    }
}
