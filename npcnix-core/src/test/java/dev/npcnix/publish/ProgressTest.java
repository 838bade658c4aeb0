package dev.npcnix.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.archive.PackOptions;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a progress bar is told by a publish (pack, then upload) and by a pull: real totals, ending at them. */
class ProgressTest {
    @TempDir
    Path tmp;

    private final RemoteStores stores = new RemoteStores(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty()));

    @AfterEach
    void close() {
        stores.close();
    }

    @Test
    void publishReportsThePackThenTheUploadAndPullTheDownload() throws Exception {
        Path flake = Fixtures.webFlake(tmp.resolve("flake"));
        Files.write(flake.resolve("hosts/blob.bin"), new byte[1 << 20]);
        RemoteUri remote = RemoteUri.parse(tmp.resolve("store/prod.npcnix").toUri().toString());
        List<String> events = new ArrayList<>();

        PublishResult published = new Publisher(stores, tmp.resolve("ptmp")).publish(flake, remote, PackOptions.defaults(),
                Optional.empty(), (done, total) -> events.add("pack " + done + "/" + total),
                (done, total) -> events.add("upload " + done + "/" + total));

        long content;
        try (var files = Files.walk(flake)) {
            content = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(events).first().isEqualTo("pack 0/" + content);
        assertThat(events).contains("pack " + content + "/" + content, "upload " + published.size() + "/" + published.size());
        assertThat(events.indexOf("pack " + content + "/" + content)).isLessThan(events.indexOf("upload " + published.size() + "/" + published.size()));

        List<String> pulled = new ArrayList<>();
        Pull.into(stores, remote, tmp.resolve("out"), UnpackLimits.defaults(), (done, total) -> pulled.add(done + "/" + total));
        assertThat(pulled).isNotEmpty().allSatisfy(e -> assertThat(e).endsWith("/" + published.size()));
        assertThat(pulled).last().isEqualTo(published.size() + "/" + published.size());
    }
}
