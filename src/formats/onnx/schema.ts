import protobuf from 'protobufjs';

/**
 * The ONNX protobuf schema (package `onnx`, proto2), as a protobufjs JSON descriptor.
 * Field names and numbers follow onnx/onnx.proto (IR version 11). Enums are declared as int32:
 * the scanner reports raw numbers and never needs enum validation from the library.
 *
 * The container messages (Model, Graph, Node, Attribute, Tensor, SparseTensor, Function,
 * TrainingInfo) are walked by hand over the wire so tensor payloads are never read; their
 * descriptors here still give the walker each field's expected wire type. Everything else is
 * small and decoded with the schema.
 */
const f = (type: string, id: number, rule?: 'repeated') => (rule ? { type, id, rule } : { type, id });

const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
        TensorAnnotation: {
          fields: { tensor_name: f('string', 1), quant_parameter_tensor_names: f('StringStringEntryProto', 2, 'repeated') },
        },
        DeviceConfigurationProto: {
          fields: { name: f('string', 1), num_devices: f('int32', 2), device: f('string', 3, 'repeated') },
        },
        SimpleShardedDimProto: { fields: { dim_value: f('int64', 1), dim_param: f('string', 2), num_shards: f('int64', 3) } },
        ShardedDimProto: { fields: { axis: f('int64', 1), simple_sharding: f('SimpleShardedDimProto', 2, 'repeated') } },
        IntIntListEntryProto: { fields: { key: f('int64', 1), value: f('int64', 2, 'repeated') } },
        ShardingSpecProto: {
          fields: {
            tensor_name: f('string', 1),
            device: f('int64', 2, 'repeated'),
            index_to_device_group_map: f('IntIntListEntryProto', 3, 'repeated'),
            sharded_dim: f('ShardedDimProto', 4, 'repeated'),
          },
        },
        NodeDeviceConfigurationProto: {
          fields: {
            configuration_id: f('string', 1),
            sharding_spec: f('ShardingSpecProto', 2, 'repeated'),
            pipeline_stage: f('int32', 3),
          },
        },
        TensorShapeProto: {
          fields: { dim: f('Dimension', 1, 'repeated') },
          nested: {
            Dimension: { fields: { dim_value: f('int64', 1), dim_param: f('string', 2), denotation: f('string', 3) } },
          },
        },
        TypeProto: {
          fields: {
            tensor_type: f('Tensor', 1),
            sequence_type: f('Sequence', 4),
            map_type: f('Map', 5),
            optional_type: f('Optional', 9),
            sparse_tensor_type: f('SparseTensor', 8),
            opaque_type: f('Opaque', 7),
            denotation: f('string', 6),
          },
          nested: {
            Tensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } },
            Sequence: { fields: { elem_type: f('TypeProto', 1) } },
            Map: { fields: { key_type: f('int32', 1), value_type: f('TypeProto', 2) } },
            Optional: { fields: { elem_type: f('TypeProto', 1) } },
            SparseTensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } },
            Opaque: { fields: { domain: f('string', 1), name: f('string', 2) } },
          },
        },
        ValueInfoProto: {
          fields: {
            name: f('string', 1),
            type: f('TypeProto', 2),
            doc_string: f('string', 3),
            metadata_props: f('StringStringEntryProto', 4, 'repeated'),
          },
        },
        TensorProto: {
          fields: {
            dims: f('int64', 1, 'repeated'),
            data_type: f('int32', 2),
            segment: f('Segment', 3),
            float_data: f('float', 4, 'repeated'),
            int32_data: f('int32', 5, 'repeated'),
            string_data: f('bytes', 6, 'repeated'),
            int64_data: f('int64', 7, 'repeated'),
            name: f('string', 8),
            doc_string: f('string', 12),
            raw_data: f('bytes', 9),
            external_data: f('StringStringEntryProto', 13, 'repeated'),
            data_location: f('int32', 14),
            double_data: f('double', 10, 'repeated'),
            uint64_data: f('uint64', 11, 'repeated'),
            metadata_props: f('StringStringEntryProto', 16, 'repeated'),
          },
          nested: { Segment: { fields: { begin: f('int64', 1), end: f('int64', 2) } } },
        },
        SparseTensorProto: {
          fields: { values: f('TensorProto', 1), indices: f('TensorProto', 2), dims: f('int64', 3, 'repeated') },
        },
        AttributeProto: {
          fields: {
            name: f('string', 1),
            ref_attr_name: f('string', 21),
            doc_string: f('string', 13),
            type: f('int32', 20),
            f: f('float', 2),
            i: f('int64', 3),
            s: f('bytes', 4),
            t: f('TensorProto', 5),
            g: f('GraphProto', 6),
            sparse_tensor: f('SparseTensorProto', 22),
            tp: f('TypeProto', 14),
            floats: f('float', 7, 'repeated'),
            ints: f('int64', 8, 'repeated'),
            strings: f('bytes', 9, 'repeated'),
            tensors: f('TensorProto', 10, 'repeated'),
            graphs: f('GraphProto', 11, 'repeated'),
            sparse_tensors: f('SparseTensorProto', 23, 'repeated'),
            type_protos: f('TypeProto', 15, 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f('string', 1, 'repeated'),
            output: f('string', 2, 'repeated'),
            name: f('string', 3),
            op_type: f('string', 4),
            domain: f('string', 7),
            overload: f('string', 8),
            attribute: f('AttributeProto', 5, 'repeated'),
            doc_string: f('string', 6),
            metadata_props: f('StringStringEntryProto', 9, 'repeated'),
            device_configurations: f('NodeDeviceConfigurationProto', 10, 'repeated'),
          },
        },
        GraphProto: {
          fields: {
            node: f('NodeProto', 1, 'repeated'),
            name: f('string', 2),
            initializer: f('TensorProto', 5, 'repeated'),
            sparse_initializer: f('SparseTensorProto', 15, 'repeated'),
            doc_string: f('string', 10),
            input: f('ValueInfoProto', 11, 'repeated'),
            output: f('ValueInfoProto', 12, 'repeated'),
            value_info: f('ValueInfoProto', 13, 'repeated'),
            quantization_annotation: f('TensorAnnotation', 14, 'repeated'),
            metadata_props: f('StringStringEntryProto', 16, 'repeated'),
          },
        },
        TrainingInfoProto: {
          fields: {
            initialization: f('GraphProto', 1),
            algorithm: f('GraphProto', 2),
            initialization_binding: f('StringStringEntryProto', 3, 'repeated'),
            update_binding: f('StringStringEntryProto', 4, 'repeated'),
          },
        },
        FunctionProto: {
          fields: {
            name: f('string', 1),
            input: f('string', 4, 'repeated'),
            output: f('string', 5, 'repeated'),
            attribute: f('string', 6, 'repeated'),
            attribute_proto: f('AttributeProto', 11, 'repeated'),
            node: f('NodeProto', 7, 'repeated'),
            doc_string: f('string', 8),
            opset_import: f('OperatorSetIdProto', 9, 'repeated'),
            domain: f('string', 10),
            overload: f('string', 13),
            value_info: f('ValueInfoProto', 12, 'repeated'),
            metadata_props: f('StringStringEntryProto', 14, 'repeated'),
          },
        },
        ModelProto: {
          fields: {
            ir_version: f('int64', 1),
            opset_import: f('OperatorSetIdProto', 8, 'repeated'),
            producer_name: f('string', 2),
            producer_version: f('string', 3),
            domain: f('string', 4),
            model_version: f('int64', 5),
            doc_string: f('string', 6),
            graph: f('GraphProto', 7),
            metadata_props: f('StringStringEntryProto', 14, 'repeated'),
            training_info: f('TrainingInfoProto', 20, 'repeated'),
            functions: f('FunctionProto', 25, 'repeated'),
            configuration: f('DeviceConfigurationProto', 26, 'repeated'),
          },
        },
      },
    },
  },
};

export const onnxRoot = protobuf.Root.fromJSON(DESCRIPTOR);

export type OnnxMessageName =
  | 'ModelProto'
  | 'GraphProto'
  | 'NodeProto'
  | 'AttributeProto'
  | 'TensorProto'
  | 'SparseTensorProto'
  | 'FunctionProto'
  | 'TrainingInfoProto'
  | 'ValueInfoProto'
  | 'OperatorSetIdProto'
  | 'StringStringEntryProto'
  | 'TensorAnnotation'
  | 'TypeProto'
  | 'DeviceConfigurationProto'
  | 'NodeDeviceConfigurationProto';

const cache = new Map<string, protobuf.Type>();

export function onnxType(name: OnnxMessageName): protobuf.Type {
  let type = cache.get(name);
  if (!type) {
    type = onnxRoot.lookupType(`onnx.${name}`);
    type.setup();
    cache.set(name, type);
  }
  return type;
}
