package dev.thinktune.cli;

import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.PretrainConfig;
import dev.thinktune.train.PretrainRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code thinktune pretrain}: supervised next-token training of a fresh small student. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Train a fresh Llama-style student on question/solution pairs (thinktune's own small models).")
public final class PretrainCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML or JSON config (default: the built-in defaults)")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config field, e.g. --set epochs=2")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        PretrainConfig cfg = config == null
                ? ConfigLoader.load(PretrainConfig.class, PretrainConfig.DEFAULTS, overrides)
                : ConfigLoader.load(PretrainConfig.class, PretrainConfig.DEFAULTS, config, overrides);
        PretrainRun.run(cfg, System.out);
        return 0;
    }
}
