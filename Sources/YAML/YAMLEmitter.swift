import CYAML

/// Writes `YAMLNode` trees as block-style YAML with libyaml's emitter, which quotes and
/// escapes scalars as the YAML specification requires.
public enum YAMLEmitter {
    /// Renders `node` as one YAML document without the `---` and `...` markers.
    public static func render(_ node: YAMLNode) -> String {
        let output = OutputBuffer()
        var emitter = yaml_emitter_t()
        guard yaml_emitter_initialize(&emitter) == 1 else {
            preconditionFailure("libyaml could not allocate an emitter")
        }
        defer { yaml_emitter_delete(&emitter) }
        yaml_emitter_set_unicode(&emitter, 1)
        yaml_emitter_set_width(&emitter, -1)
        yaml_emitter_set_indent(&emitter, 2)
        let context = Unmanaged.passUnretained(output).toOpaque()
        yaml_emitter_set_output(&emitter, appendOutput, context)

        var event = yaml_event_t()
        yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)
        emit(&emitter, &event)
        yaml_document_start_event_initialize(&event, nil, nil, nil, 1)
        emit(&emitter, &event)
        emitNode(node, into: &emitter)
        yaml_document_end_event_initialize(&event, 1)
        emit(&emitter, &event)
        yaml_stream_end_event_initialize(&event)
        emit(&emitter, &event)
        yaml_emitter_flush(&emitter)

        return String(decoding: output.bytes, as: UTF8.self)
    }

    private static func emitNode(_ node: YAMLNode, into emitter: inout yaml_emitter_t) {
        var event = yaml_event_t()
        switch node {
        case .scalar(let scalar):
            // A trailing NUL keeps the buffer non-empty, so its base address exists even for
            // an empty string; libyaml copies the `count - 1` bytes of the value.
            var bytes = Array(scalar.value.utf8) + [0]
            let style = scalarStyle(scalar.style)
            _ = bytes.withUnsafeMutableBufferPointer { buffer in
                yaml_scalar_event_initialize(
                    &event,
                    nil,
                    nil,
                    buffer.baseAddress,
                    Int32(buffer.count - 1),
                    1,
                    1,
                    style
                )
            }
            emit(&emitter, &event)
        case .sequence(let items, _):
            yaml_sequence_start_event_initialize(&event, nil, nil, 1, YAML_BLOCK_SEQUENCE_STYLE)
            emit(&emitter, &event)
            for item in items { emitNode(item, into: &emitter) }
            yaml_sequence_end_event_initialize(&event)
            emit(&emitter, &event)
        case .mapping(let pairs, _):
            yaml_mapping_start_event_initialize(&event, nil, nil, 1, YAML_BLOCK_MAPPING_STYLE)
            emit(&emitter, &event)
            for pair in pairs {
                emitNode(pair.key, into: &emitter)
                emitNode(pair.value, into: &emitter)
            }
            yaml_mapping_end_event_initialize(&event)
            emit(&emitter, &event)
        }
    }

    private static func scalarStyle(_ style: YAMLScalarStyle) -> yaml_scalar_style_t {
        switch style {
        case .plain: YAML_ANY_SCALAR_STYLE
        case .singleQuoted: YAML_SINGLE_QUOTED_SCALAR_STYLE
        case .doubleQuoted: YAML_DOUBLE_QUOTED_SCALAR_STYLE
        case .literal: YAML_LITERAL_SCALAR_STYLE
        case .folded: YAML_FOLDED_SCALAR_STYLE
        }
    }

    /// Passes one event to libyaml, which takes ownership of it. The only failures are
    /// invalid event sequences or allocation failures, which are programming errors here.
    private static func emit(_ emitter: inout yaml_emitter_t, _ event: inout yaml_event_t) {
        guard yaml_emitter_emit(&emitter, &event) == 1 else {
            let problem = emitter.problem.map { String(cString: $0) } ?? "unknown error"
            preconditionFailure("libyaml emitter failed: \(problem)")
        }
    }
}

/// Bytes written by the emitter; only touched from the emitting thread.
private final class OutputBuffer {
    var bytes: [UInt8] = []
}

/// libyaml's write handler: appends `size` bytes to the `OutputBuffer` passed as `data`.
private func appendOutput(
    _ data: UnsafeMutableRawPointer?,
    _ buffer: UnsafeMutablePointer<UInt8>?,
    _ size: Int
) -> Int32 {
    guard let data, let buffer else { return 0 }
    let output = Unmanaged<OutputBuffer>.fromOpaque(data).takeUnretainedValue()
    output.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
    return 1
}
