using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Twofold.CreatorSide;

/// <summary>
/// An ML.NET <see cref="IDataView"/> over a range of rows of a <see cref="FeatureMatrix"/>, without copying it
/// into per-row objects: columns <c>Features</c> (a vector of the matrix's width) and <c>Label</c>.
/// </summary>
internal sealed class FeatureMatrixView : IDataView
{
    public const string FeaturesColumn = "Features";
    public const string LabelColumn = "Label";

    private readonly FeatureMatrix _matrix;
    private readonly int _start;
    private readonly int _count;

    public FeatureMatrixView(FeatureMatrix matrix, int start = 0, int count = -1)
    {
        _matrix = matrix;
        _start = start;
        _count = count < 0 ? matrix.Rows - start : count;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(FeaturesColumn, new VectorDataViewType(NumberDataViewType.Single, matrix.Columns));
        builder.AddColumn(LabelColumn, BooleanDataViewType.Instance);
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => _count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    /// <remarks>
    /// ML.NET's LightGBM trainer walks this cursor over every row three times (labels, bin sample, binning) right after
    /// the process starts, so <see cref="MoveNext"/> and the getters are compiled optimised at once: left to tiered
    /// compilation they run the first of those million-row passes as unoptimised tier-0 code (about 0.15 s per fit).
    /// </remarks>
    private sealed class Cursor(FeatureMatrixView view) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;
        public override long Position => _position;
        public override long Batch => 0;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override bool MoveNext()
        {
            if (_position + 1 >= view._count)
            {
                _position = view._count;
                return false;
            }
            _position++;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)(view._start + _position), 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index == 0)
            {
                ValueGetter<VBuffer<float>> features = [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ref VBuffer<float> value) =>
                {
                    var columns = view._matrix.Columns;
                    var editor = VBufferEditor.Create(ref value, columns);
                    view._matrix.Values.AsSpan((int)(view._start + _position) * columns, columns).CopyTo(editor.Values);
                    value = editor.Commit();
                };
                return (ValueGetter<TValue>)(Delegate)features;
            }
            if (column.Index == 1)
            {
                ValueGetter<bool> label = [MethodImpl(MethodImplOptions.AggressiveOptimization)] (ref bool value) => value = view._matrix.Labels?[view._start + _position] ?? false;
                return (ValueGetter<TValue>)(Delegate)label;
            }
            throw new ArgumentOutOfRangeException(nameof(column), column.Name, "The feature view has the columns Features and Label.");
        }
    }
}
