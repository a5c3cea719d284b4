"""What people read: score sheets (terminal, Markdown, HTML, Excel), the rubric as `show` prints it, forms, batch."""
