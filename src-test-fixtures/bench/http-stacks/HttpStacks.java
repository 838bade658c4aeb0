import dev.npcnix.store.Etag;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * One idle follower's HTTP traffic, in a fresh JVM per run (docs/performance.md, "One HTTP stack"):
 * {@code store} polls through the distribution's own HttpStore (java.net.http plus a StallGuard timer
 * up to commit 5a618b0, the SDK's URL-connection client since), {@code sdk} does the same conditional
 * GET on the bare URL-connection client the S3 polls use (the least any store on it loads). Prints
 * VmRSS, loaded classes, threads and CPU per poll after POLLS polls, one every INTERVAL_MS.
 *
 *   java -cp 'DIST/lib/*:OUT' HttpStacks store|sdk URL POLLS INTERVAL_MS
 */
public final class HttpStacks {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        URI url = URI.create(args[1]);
        int polls = Integer.parseInt(args[2]);
        long interval = Long.parseLong(args[3]);
        Runnable poll;
        if (mode.equals("store")) {
            RemoteStores stores = new RemoteStores(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty()));
            RemoteUri remote = RemoteUri.parse(url.toString());
            Etag etag;
            try (FetchResult.Download d = (FetchResult.Download) stores.forRemote(remote).fetch(remote, Optional.empty())) {
                d.body().readAllBytes();
                etag = d.etag();
            }
            poll = () -> {
                if (!(stores.forRemote(remote).fetch(remote, Optional.of(etag)) instanceof FetchResult.Unchanged)) {
                    throw new IllegalStateException("not unchanged");
                }
            };
        } else {
            SdkHttpClient http = UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                    .socketTimeout(Duration.ofSeconds(60)).build();
            HttpExecuteResponse first = http.prepareRequest(HttpExecuteRequest.builder().request(
                    SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(url).build()).build()).call();
            first.responseBody().orElseThrow().readAllBytes();
            String etag = first.httpResponse().firstMatchingHeader("ETag").orElseThrow();
            first.responseBody().get().close();
            poll = () -> {
                try {
                    HttpExecuteResponse r = http.prepareRequest(HttpExecuteRequest.builder().request(
                            SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(url).putHeader("User-Agent", "npcnix")
                                    .putHeader("If-None-Match", etag).build()).build()).call();
                    if (r.httpResponse().statusCode() != 304) {
                        throw new IllegalStateException("HTTP " + r.httpResponse().statusCode());
                    }
                    if (r.responseBody().isPresent()) {
                        r.responseBody().get().close();
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
        }
        long cpu0 = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
        for (int i = 0; i < polls; i++) {
            poll.run();
            Thread.sleep(interval);
        }
        long cpu = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos() - cpu0;
        String rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                .findFirst().orElseThrow().replaceAll("\\D+", "");
        int threads = Thread.activeCount();
        int classes = java.lang.management.ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        System.out.printf("%s: VmRSS %.1f MiB, %d classes, %d threads, CPU %.2f ms/poll (incl. sleep wake-ups)%n",
                mode, Long.parseLong(rss) / 1024.0, classes, threads, cpu / 1e6 / polls);
        System.exit(0);
    }
}
