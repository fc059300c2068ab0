package dev.kow.sim;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar ollama-sim.jar --port 11434}: runs one simulated Ollama host until
 * stopped.
 */
@Command(name = "ollama-sim", mixinStandardHelpOptions = true,
		description = "An Ollama-compatible server that simulates GPU inference (no model weights needed).")
public final class OllamaSimMain implements Callable<Integer> {

	@Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default ${DEFAULT-VALUE}).")
	String host;

	@Option(names = "--port", defaultValue = "11434",
			description = "Port, 0 for any free one (default ${DEFAULT-VALUE}).")
	int port;

	@Option(names = "--num-parallel", defaultValue = "1",
			description = "Slots per loaded model, OLLAMA_NUM_PARALLEL (default ${DEFAULT-VALUE}).")
	int numParallel;

	@Option(names = "--max-queue", defaultValue = "512",
			description = "Pending requests for models being loaded, OLLAMA_MAX_QUEUE (default ${DEFAULT-VALUE}).")
	int maxQueue;

	@Option(names = "--max-loaded-models", defaultValue = "3",
			description = "OLLAMA_MAX_LOADED_MODELS (default ${DEFAULT-VALUE}).")
	int maxLoadedModels;

	@Option(names = "--keep-alive", defaultValue = "5m",
			description = "OLLAMA_KEEP_ALIVE as a Go duration (default ${DEFAULT-VALUE}).")
	String keepAlive;

	@Option(names = "--profile", defaultValue = "gpu-4090-llama3.1-8b-q4",
			description = "Speed profile: gpu-4090-llama3.1-8b-q4, gpu-a100-8b-q4, gpu-h100-8b-q4, cpu-8b-q4 (default ${DEFAULT-VALUE}).")
	String profile;

	@Option(names = "--time-scale", defaultValue = "1.0",
			description = "Multiplier on simulated durations; 0.1 runs 10x faster (default ${DEFAULT-VALUE}).")
	double timeScale;

	@Option(names = "--min-chunk-interval-ms", defaultValue = "2",
			description = "Shortest gap between stream chunks; faster tokens are sent together (default ${DEFAULT-VALUE}).")
	long minChunkIntervalMs;

	@Option(names = "--fault-rate", split = ",",
			description = "Fault probabilities, e.g. BUSY_503=0.05,STALL_MIDSTREAM=0.01. Faults: ${COMPLETION-CANDIDATES}.")
	java.util.Map<Fault, Double> faultRates = new java.util.EnumMap<>(Fault.class);

	@Override
	public Integer call() throws InterruptedException {
		Duration keep = KeepAlive
			.parse(tools.jackson.databind.node.JsonNodeFactory.instance.stringNode(this.keepAlive));
		SimConfig config = new SimConfig(this.host, this.port, Profile.named(this.profile), this.timeScale,
				this.numParallel, this.maxQueue, this.maxLoadedModels, keep, 4096, SimConfig.DEFAULT_VERSION,
				ModelCatalog.defaults(), Duration.ofMillis(this.minChunkIntervalMs));
		OllamaSimulator simulator = OllamaSimulator.start(config);
		this.faultRates.forEach(simulator.faults()::rate);
		System.out.printf("ollama-sim %s listening on %s (profile %s, time scale %s, %d slot(s) per model)%n",
				config.version(), simulator.baseUrl(), config.profile().name(), config.timeScale(),
				config.numParallel());
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			simulator.close();
			stopped.countDown();
		}));
		stopped.await();
		return 0;
	}

	/**
	 * @param args command-line arguments
	 */
	public static void main(String[] args) {
		System.exit(new CommandLine(new OllamaSimMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
	}

}
