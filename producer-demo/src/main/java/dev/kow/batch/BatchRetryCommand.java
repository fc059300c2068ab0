package dev.kow.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import dev.kow.avro.InferenceRequest;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.worker.batches.BatchRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code batch retry ID}: submits the failed and expired lines of an ended batch as a new
 * batch that names it as its parent, on the same lane, with a fresh completion window.
 * The lines come from their dead letters, which keep the original request byte for byte
 * (a cancelled line has none and is not retried); a line that also has a successful
 * result (a crash made it run twice) is left out. Prints the new batch object, or says
 * there is nothing to retry.
 */
@Command(name = "retry", mixinStandardHelpOptions = true,
		description = "Submit a batch's failed and expired lines as a new batch.")
public final class BatchRetryCommand implements Callable<Integer> {

	@Mixin
	ClusterOptions cluster = new ClusterOptions();

	@Mixin
	BatchTopicOptions topics = new BatchTopicOptions();

	@Parameters(index = "0", paramLabel = "ID", description = "The batch id.")
	String id = "";

	@Option(names = "--completion-window", defaultValue = "24h",
			description = "The new batch's window (default ${DEFAULT-VALUE}).")
	Duration completionWindow = Duration.ofHours(24);

	@Override
	public Integer call() throws Exception {
		BatchRecord batch;
		List<BatchLine> lines = new ArrayList<>();
		try (KafkaConsumer<String, byte[]> reader = this.cluster.reader()) {
			Optional<BatchView> view = BatchRecords.find(reader, this.topics, this.id);
			if (view.isEmpty()) {
				return 1;
			}
			String status = view.get().status(Instant.now().getEpochSecond());
			if (!BatchView.isFinal(status)) {
				System.err.println("batch " + this.id + " is " + status + "; retry it once it has ended");
				return 1;
			}
			batch = view.get().batch();
			KafkaAvroDeserializer deserializer = this.cluster.deserializer();
			Set<String> succeeded = BatchResultsCommand.read(reader, deserializer, this.topics.results, batch)
				.values()
				.stream()
				.filter(result -> result.getStatus() == Status.SUCCEEDED)
				.map(InferenceResult::getCustomId)
				.map(String::valueOf)
				.collect(Collectors.toSet());
			Map<String, BatchLine> failed = new LinkedHashMap<>();
			TopicReads.batch(reader, this.topics.deadLetter, batch.deadLettersFrom(), batch.requestIdPrefix(),
					record -> {
						try {
							if (deserializer.deserialize(record.topic(),
									record.value()) instanceof InferenceRequest request && request.getCustomId() != null
									&& !succeeded.contains(request.getCustomId().toString())) {
								failed.putIfAbsent(request.getCustomId().toString(), line(batch, request));
							}
						}
						catch (KafkaException | NumberFormatException ex) {
							// not a request of this batch
						}
					});
			lines.addAll(failed.values());
		}
		if (lines.isEmpty()) {
			System.err.println("batch " + this.id + " has no failed or expired line to retry");
			return 0;
		}
		BatchSubmitCommand submit = new BatchSubmitCommand();
		submit.cluster = this.cluster;
		submit.topics = this.topics;
		submit.priority = batch.topic().equals(this.topics.high) ? "high"
				: batch.topic().equals(this.topics.normal) ? "normal" : "batch";
		submit.completionWindow = this.completionWindow;
		submit.metadata = new LinkedHashMap<>(batch.metadata());
		submit.parent = batch.id();
		return submit.submit(lines, batch.endpoint(), batch.inputFile());
	}

	private static BatchLine line(BatchRecord batch, InferenceRequest request) {
		int number = Integer.parseInt(request.getId().toString().substring(batch.requestIdPrefix().length()));
		String endpoint = String.valueOf(request.getMetadata().get(BatchRecords.ENDPOINT));
		return new BatchLine(number, request.getCustomId().toString(),
				BatchEndpoint.ofUrl(endpoint).orElse(BatchEndpoint.OLLAMA_GENERATE),
				InferenceRequest.newBuilder(request));
	}

}
