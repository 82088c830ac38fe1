#!/usr/bin/env python3
"""Golden resolved recipes from SuperGradients' own Hydra resolution.

SuperGradients' train_from_kd_recipe composes a recipe with Hydra (the defaults list, command-line
overrides), runs its RecipeShortcutsCallback (lr, batch_size, ... from variable_setup.yaml) and reads
the config with every ${...} interpolation resolved. This script does exactly that with SuperGradients
3.7.1 and writes the resolved trees; the trainer's HydraRecipeGoldenTest resolves the same recipes
with kdflow's HydraRecipe and compares.

Run it (the SuperGradients 3.7.1 virtual environment described in tools/gen_sg_golden.py):

    ~/.cache/kdflow/sg-3.7.1/bin/python tools/gen_sg_recipe_golden.py \
        trainer-image/src/test/resources/golden/sg_recipe_golden.json
"""
import json
import os
import sys

import super_gradients
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from super_gradients.common.environment.omegaconf_utils import (
    RecipeShortcutsCallback, register_hydra_resolvers)

RECIPES = os.path.join(os.path.dirname(super_gradients.__file__), "recipes")

# (recipe, overrides): kdflow's test resolves the same recipe (a copy in its test resources) with
# the same overrides.
CASES = [
    ("imagenet_resnet50_kd", []),
    ("imagenet_resnet50_kd", ["lr=0.01", "batch_size=32", "training_hyperparams.max_epochs=3",
                               "dataset_params.img_mean=[0.5,0.5,0.5]", "resume=True"]),
]


def resolve(name, overrides):
    register_hydra_resolvers()
    with initialize_config_dir(config_dir=RECIPES, version_base="1.2"):
        cfg = compose(config_name=name, overrides=overrides)
    RecipeShortcutsCallback().on_run_start(cfg)
    return OmegaConf.to_container(cfg, resolve=True)


out = {"generator": "tools/gen_sg_recipe_golden.py",
       "super_gradients": super_gradients.__version__,
       "cases": [{"recipe": name, "overrides": ov, "resolved": resolve(name, ov)}
                 for name, ov in CASES]}
with open(sys.argv[1], "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
