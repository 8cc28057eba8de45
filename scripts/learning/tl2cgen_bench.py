#!/usr/bin/env python3
"""tl2cgen side of `make bench-learning`: compiles OUR trained trees to C.

  tl2cgen_bench.py --trees TREES_JSON --out LIB.so [--sources DIR]

TREES_JSON is what `learning-benchmark --export DIR` writes: per tree the node arrays
(numeric split: left when x <= value; NaN follows default_left; leaf: value), the score it
adds to, and the base scores. They are rebuilt as a treelite model (same thresholds as
float32, same leaves, same base scores, softmax/sigmoid postprocessor), turned into C by
tl2cgen and built into a shared library by tl2cgen's gcc toolchain. Timing happens in C
(tl2cgen_single_row.c), not here: no Python in the measured loop.
"""
import argparse
import json


def treelite_model(document):
    from treelite.model_builder import Metadata, ModelBuilder, PostProcessorFunc, TreeAnnotation

    objective = document["objective"]
    base_scores = document["base_scores"]
    trees = document["trees"]
    classes = len(base_scores) if objective == "multiclass" else 1
    task, postprocessor = {
        "multiclass": ("kMultiClf", "softmax"), "binary": ("kBinaryClf", "sigmoid"),
        "regression": ("kRegressor", "identity"),
    }[objective]
    builder = ModelBuilder(
        threshold_type="float32", leaf_output_type="float32",
        metadata=Metadata(
            num_feature=document["features"], task_type=task, average_tree_output=False, num_target=1,
            num_class=[classes], leaf_vector_shape=(1, 1)),
        tree_annotation=TreeAnnotation(
            num_tree=len(trees), target_id=[0] * len(trees),
            class_id=[tree["output"] if classes > 1 else 0 for tree in trees]),
        postprocessor=PostProcessorFunc(name=postprocessor),
        base_scores=base_scores,
    )
    for tree in trees:
        if tree["categorical_nodes"]:
            raise SystemExit("tl2cgen_bench: categorical splits are not exported (the benchmark data is numeric)")
        builder.start_tree()
        for node, feature in enumerate(tree["feature"]):
            builder.start_node(node)
            if feature < 0:
                builder.leaf(tree["value"][node])
            else:
                builder.numerical_test(
                    feature, tree["value"][node], default_left=tree["default_left"][node], opname="<=",
                    left_child_key=tree["left"][node], right_child_key=tree["right"][node])
            builder.end_node()
        builder.end_tree()
    return builder.commit()


def compile_library(args):
    import tl2cgen

    with open(args.trees) as f:
        model = treelite_model(json.load(f))
    params = {"parallel_comp": args.parallel_comp}
    if args.sources:
        tl2cgen.generate_c_code(model, dirpath=args.sources, params=params)
    tl2cgen.export_lib(model, toolchain="gcc", libpath=args.out, params=params)
    print(f"tl2cgen_version={tl2cgen.__version__}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trees", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sources", help="also write the generated C sources here (to read them)")
    parser.add_argument(
        "--parallel-comp", type=int, default=2, help="C files the trees are split into (compiled in parallel)")
    compile_library(parser.parse_args())


if __name__ == "__main__":
    main()
