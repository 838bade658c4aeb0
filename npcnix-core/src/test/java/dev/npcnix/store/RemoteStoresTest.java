package dev.npcnix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RemoteStoresTest {
    private final StoreSettings settings = StoreSettings.of(
            Map.of("AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret"),
            Optional.of("eu-west-1"), Optional.of("http://127.0.0.1:9"));

    @Test
    void oneStorePerSchemeSharedByAllRemotes() {
        try (RemoteStores stores = new RemoteStores(settings)) {
            RemoteStore s3 = stores.forRemote(RemoteUri.parse("s3://a/x.npcnix"));

            assertThat(stores.forRemote(RemoteUri.parse("s3://b/y.npcnix"))).isSameAs(s3).isInstanceOf(S3Store.class);
            assertThat(stores.forRemote(RemoteUri.parse("file:///srv/x.npcnix"))).isInstanceOf(FileStore.class)
                    .isSameAs(stores.forRemote(RemoteUri.parse("file:///srv/y.npcnix")));
            assertThat(stores.forRemote(RemoteUri.parse("https://h/x.npcnix"))).isInstanceOf(HttpStore.class)
                    .isSameAs(stores.forRemote(RemoteUri.parse("http://h/y.npcnix")));
            assertThat(stores.settings()).isSameAs(settings);
        }
    }

    @Test
    void closedStoresRefuseWork() {
        RemoteStores stores = new RemoteStores(settings);
        stores.forRemote(RemoteUri.parse("s3://a/x.npcnix"));
        stores.close();
        stores.close();

        assertThatThrownBy(() -> stores.forRemote(RemoteUri.parse("s3://a/x.npcnix")))
                .isInstanceOf(IllegalStateException.class);
    }
}
