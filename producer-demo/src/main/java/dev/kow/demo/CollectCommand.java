package dev.kow.demo;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import dev.kow.avro.InferenceResult;
import dev.kow.worker.config.TopicsProperties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code collect}: write results to a JSONL file, one Avro-JSON object per line. */
@Command(name = "collect", mixinStandardHelpOptions = true,
		description = "Write results from the results topic to JSONL.")
final class CollectCommand implements Callable<Integer> {

	@Mixin
	KafkaOptions kafka = new KafkaOptions();

	@Option(names = "--topic", defaultValue = TopicsProperties.DEFAULT_RESULTS,
			description = "Results topic (default ${DEFAULT-VALUE}).")
	String topic;

	@Option(names = "--out", required = true, description = "Output JSONL file.")
	Path out;

	@Option(names = "--count", defaultValue = "0", description = "Stop after this many results (0: stop when idle).")
	int count;

	@Option(names = "--idle-timeout", defaultValue = "10s",
			description = "Stop after this long without a result (default ${DEFAULT-VALUE}).")
	Duration idleTimeout;

	@Override
	public Integer call() throws Exception {
		int written = 0;
		try (KafkaConsumer<String, Object> consumer = this.kafka
			.resultConsumer("producer-demo-collect-" + System.nanoTime());
				BufferedWriter writer = Files.newBufferedWriter(this.out, StandardCharsets.UTF_8)) {
			consumer.subscribe(List.of(this.topic));
			long idleSince = System.nanoTime();
			while ((this.count == 0 || written < this.count)
					&& System.nanoTime() - idleSince < this.idleTimeout.toNanos()) {
				for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
					writer.write(((InferenceResult) record.value()).toString());
					writer.newLine();
					written++;
					idleSince = System.nanoTime();
				}
			}
		}
		System.out.printf("wrote %d result(s) to %s%n", written, this.out);
		return 0;
	}

}
