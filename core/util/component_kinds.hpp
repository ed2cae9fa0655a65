// The dataset and encoder kinds the engine builds, as one table: each kind's name, the fields
// naming the files it reads, every field it accepts and a one-line summary. The factories
// (core/data/dataset_factory, core/model/encoder_factory) validate configs against it and the
// studio's launch form offers it, so a new kind is one row here plus its loader or model.
// Torch-free and data-free (the studio reads it without linking core/data).
#pragma once

#include <string>
#include <vector>

namespace multipos::util {

struct ComponentKind {
  std::string name;
  std::vector<std::string> file_fields;  // required fields naming a file or folder ("path"; TREC: three files)
  std::vector<std::string> fields;       // every field the kind accepts, "kind" included
  std::string summary;                   // for tooltips and --help
};

// Fields every dataset kind accepts: the label regime, noise and hard-negative options.
const std::vector<std::string>& dataset_label_fields();

const std::vector<ComponentKind>& dataset_kinds();  // synthetic first (the default)
const std::vector<ComponentKind>& encoder_kinds();  // bag first (the default)

// nullptr for an unknown name.
const ComponentKind* find_dataset_kind(const std::string& name);
const ComponentKind* find_encoder_kind(const std::string& name);

std::vector<std::string> kind_names(const std::vector<ComponentKind>& kinds);

}  // namespace multipos::util
