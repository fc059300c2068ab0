package dev.kow.bench;

import java.time.Instant;

import dev.kow.avro.ChatMessage;
import dev.kow.avro.InferenceRequest;
import dev.kow.avro.InferenceResult;
import dev.kow.avro.Status;

/**
 * The result record the peers publish: the same schema as the worker's, filled as far as
 * they know.
 */
final class PeerResults {

	private PeerResults() {
	}

	static InferenceResult succeeded(InferenceRequest request, String topic, String text, String host, Instant readAt) {
		return InferenceResult.newBuilder()
			.setRequestId(request.getId())
			.setStatus(Status.SUCCEEDED)
			.setModel(request.getModel())
			.setMode(request.getMode())
			.setSourceTopic(topic)
			.setMessage(ChatMessage.newBuilder().setRole("assistant").setContent(text).build())
			.setHost(host)
			.setAttempts(1)
			.setQueueWaitMs(0)
			.setRequestCreatedAt(request.getCreatedAt())
			.setStartedAt(readAt)
			.setFinishedAt(Instant.now())
			.build();
	}

	static String content(InferenceRequest request) {
		return request.getMessages().get(request.getMessages().size() - 1).getContent();
	}

}
