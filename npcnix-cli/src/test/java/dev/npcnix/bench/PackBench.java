package dev.npcnix.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 1: {@code npcnix pack} and {@code npcnix pull} (file:// remote) as whole processes against
 * {@code tar --format=gnu | zstd -3} and {@code zstd -dc | tar -x} on the same tree, in the same run,
 * alternating so that drift of a noisy machine hits both sides alike. Everything on tmpfs.
 */
final class PackBench {
    private PackBench() {
    }

    static void run(Bench.Ctx ctx) throws Exception {
        Path typical = ctx.tree(Trees.TYPICAL);
        measure(ctx, Trees.TYPICAL, typical, ctx.quick() ? 5 : 11, false);
        Trees.Shape big = ctx.quick() ? Trees.MEDIUM : Trees.LARGE;
        measure(ctx, big, ctx.tree(big), ctx.quick() ? 3 : 7, true);
    }

    private static void measure(Bench.Ctx ctx, Trees.Shape shape, Path tree, int reps, boolean targeted) throws Exception {
        Path dir = Files.createDirectories(ctx.work().resolve("pack-" + shape.name()));
        Path ours = dir.resolve("ours.npcnix");
        Path theirs = dir.resolve("theirs.tar.zst");
        Map<String, String> env = Map.of("NPCNIX_DATA_DIR", dir.resolve("data").toString());
        List<String> pack = List.of(ctx.npcnix().toString(), "pack", "--src", tree.toString(), "--dst", ours.toString());
        String tarZstd = "tar --format=gnu -cf - -C '" + tree + "' . | zstd -3 -q -c > '" + theirs + "'";

        List<Double> packOurs = new ArrayList<>();
        List<Double> packTheirs = new ArrayList<>();
        List<Double> pullOurs = new ArrayList<>();
        List<Double> pullTheirs = new ArrayList<>();
        for (int i = -1; i < reps; i++) { // i = -1: warm-up, not counted
            double a = Proc.run(pack, env, ctx.scratch()).orThrow(pack).wallMillis();
            double b = Proc.bash(tarZstd, env, ctx.scratch()).orThrow(List.of(tarZstd)).wallMillis();
            Path dst = dir.resolve("pulled");
            List<String> pull = List.of(ctx.npcnix().toString(), "pull", "--remote", "file://" + ours, "--dst", dst.toString());
            double c = Proc.run(pull, env, ctx.scratch()).orThrow(pull).wallMillis();
            Bench.deleteTree(dst);
            Files.createDirectories(dst);
            String untar = "zstd -dc -q '" + ours + "' | tar -xf - -C '" + dst + "'";
            double d = Proc.bash(untar, env, ctx.scratch()).orThrow(List.of(untar)).wallMillis();
            Bench.deleteTree(dst);
            if (i >= 0) {
                packOurs.add(a);
                packTheirs.add(b);
                pullOurs.add(c);
                pullTheirs.add(d);
            }
        }
        String n = shape.name() + " (" + shape.files() + " files, " + (shape.bytes() >> 20) + " MB)";
        double po = Stats.median(packOurs);
        double pt = Stats.median(packTheirs);
        double uo = Stats.median(pullOurs);
        double ut = Stats.median(pullTheirs);
        if (targeted) {
            ctx.report(Figure.compared("pack " + n, po, "ms", "tar|zstd -3", pt, 1.25));
            ctx.report(Figure.compared("pull file:// " + n, uo, "ms", "zstd -dc|tar -x", ut, 1.25));
        } else {
            ctx.report(Figure.infoVs("pack " + n, po, "ms", "tar|zstd -3", pt));
            ctx.report(Figure.infoVs("pull file:// " + n, uo, "ms", "zstd -dc|tar -x", ut));
        }
        double sizeOurs = Files.size(ours);
        double sizeTheirs = Files.size(theirs);
        double ratio = sizeOurs / sizeTheirs;
        ctx.report(new Figure("archive size " + shape.name(), sizeOurs / 1e6, "MB", "zstd -3", sizeTheirs / 1e6,
                "0.95x - 1.05x", ratio >= 0.95 && ratio <= 1.05));
        ctx.log("pack %s: ours %s theirs %s; pull ours %s theirs %s", shape.name(), packOurs, packTheirs, pullOurs, pullTheirs);
    }
}
