// The runs table's modal dialogs: editing one run's tags and notes, and confirming the deletion
// of the selected runs (which also removes their checkpoints and logs). A dialog only records
// what the user confirmed; the studio carries it out through RunControl. UI thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/store/run_store.hpp"

namespace multipos::ui {

struct NotesEdit {
  int64_t run_id = 0;
  std::string tags, notes;
};

class RunDialogs {
 public:
  // Open at the next draw().
  void edit_notes(const store::RunRecord& run);
  // `runs` that are running are listed but left out: a worker would keep writing to a deleted run.
  void confirm_delete(const std::vector<const store::RunRecord*>& runs);
  // Draws whichever dialog is open; call every frame inside the studio's window.
  void draw();
  bool is_open() const { return notes_open_ || delete_open_; }

  std::optional<NotesEdit> take_notes() { return std::exchange(saved_notes_, std::nullopt); }
  std::vector<int64_t> take_deletions() { return std::exchange(confirmed_deletions_, {}); }

  // What the dialogs' buttons do (tests drive them without clicking).
  NotesEdit& notes_draft() { return notes_; }
  void save_notes();
  const std::vector<int64_t>& pending_deletions() const { return deletable_; }
  void delete_confirmed();

 private:
  void draw_notes();
  void draw_delete();

  NotesEdit notes_;
  bool notes_requested_ = false, notes_open_ = false;
  std::optional<NotesEdit> saved_notes_;
  std::vector<int64_t> deletable_;
  std::vector<std::string> delete_lines_;  // one per listed run, running ones marked
  bool delete_requested_ = false, delete_open_ = false;
  std::vector<int64_t> confirmed_deletions_;
};

}  // namespace multipos::ui
