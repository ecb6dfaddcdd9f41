@extends('layouts.app')

@section('content')
    <x-autype-editor :api-key="config('services.autype.key')" :project="$project->id" />
    <p class="text-muted">Key &hellip;{{ substr(config('services.autype.key'), -4) }}</p>
@endsection

@push('scripts')
<script>
    window.Autype = { key: @json(config('services.autype.key')) };
    window.AutypeKeyRaw = "{{ config('services.autype.key') }}";
</script>
@endpush
