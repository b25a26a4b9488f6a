"""Teams: who is in which team (`membership`), whether a team can take work (`availability`) and which business
calendar a team or service works to (`calendars`). A team owns a task; a person borrows it."""
